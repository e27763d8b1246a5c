"""Signed links end to end: minted on the internal service by whoever may read the file, opened with a
plain GET (no header) on the internal and the public service, until they expire, are used up, revoked,
or their file is replaced."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import sqlalchemy as sa

from registry_api.files.link_tokens import LinkClaims, LinkSigner
from tests.links.conftest import (
    API,
    KEY_A,
    KEY_B,
    WRITE_HEADERS,
    Registry,
    Upload,
    Uploaded,
    create_user,
    uploader,
)

PASSPORT_NAME = "паспорт Петра.pdf"
PASSPORT = b"%PDF-1.7\n" + "паспорт громадянина України".encode() * 400 + b"\n%%EOF\n"
PHOTO = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PAGE = b"<!doctype html><html><body><script>document.title='pwned'</script>hello</body></html>"


@dataclass
class World:
    internal: httpx.Client
    public: httpx.Client
    officer: dict[str, str]
    citizen: dict[str, str]
    upload: Upload
    registry: Registry
    user_id: str
    passport: Uploaded
    photo: Uploaded
    page: Uploaded

    def file_path(self, field: str, file: Uploaded, user_id: str | None = None) -> str:
        return f"{API}/files/user/{user_id or self.user_id}/{field}/{file.id}"

    def mint(self, field: str, file: Uploaded, headers: dict[str, str] | None = None, **body: Any) -> Any:
        answer = self.internal.post(
            f"{self.file_path(field, file)}/links", json=body, headers=headers or self.officer
        )
        assert answer.status_code == 201, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def world(registry: Registry) -> Iterator[World]:
    # internal signs with A; public already has the next key B first and still verifies A (rotation)
    internal = registry.serve("internal", signing_keys=[KEY_A])
    public = registry.serve("public", signing_keys=[KEY_B, KEY_A])
    officer = registry.token("officer-portal", ["officer"])
    upload = uploader(internal, officer)
    passport, photo, page = (
        upload(PASSPORT_NAME, PASSPORT),
        upload("фото.png", PHOTO),
        upload("заява.html", PAGE),
    )
    user_id = create_user(internal, officer, photo=photo.ref, documents=[passport.ref, page.ref])
    citizen = registry.token("citizen-portal", ["citizen"], subject="citizen-1")
    yield World(internal, public, officer, citizen, upload, registry, user_id, passport, photo, page)


def test_a_link_opens_without_a_token_on_internal_and_public(world: World) -> None:
    link = world.mint("documents", world.passport, expiresIn=600)
    assert link["url"].startswith(f"{API}/l/") and len(link["url"]) < 140
    assert link["disposition"] == "attachment" and link["maxUses"] is None
    for client in (world.internal, world.public):
        answer = client.get(link["url"])  # no X-Access-Token, no Authorization
        assert answer.status_code == 200, answer.text
        assert answer.content == PASSPORT
        assert answer.headers["content-type"] == "application/pdf"
        disposition = answer.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="pasport Petra.pdf"; ')
        assert disposition.endswith("filename*=UTF-8''" + quote(PASSPORT_NAME, safe=""))
        assert answer.headers["cache-control"] == "private"
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["content-security-policy"].startswith("sandbox")
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["etag"] == f'"{world.passport.checksum}"'
    # the public service publishes photos only: the document itself is not reachable there otherwise
    assert world.public.get(world.file_path("documents", world.passport)).status_code == 404
    assert world.public.get(f"{API}/s/{world.passport.short_name}").status_code == 404


def test_a_link_answers_like_the_content_route(world: World) -> None:
    url = world.mint("documents", world.passport)["url"]
    head = world.public.head(url)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(PASSPORT))
    assert head.headers["referrer-policy"] == "no-referrer"
    ranged = world.public.get(url, headers={"Range": "bytes=5-14"})
    assert ranged.status_code == 206 and ranged.content == PASSPORT[5:15]
    assert ranged.headers["content-range"] == f"bytes 5-14/{len(PASSPORT)}"
    unmodified = world.public.get(url, headers={"If-None-Match": f'"{world.passport.checksum}"'})
    assert unmodified.status_code == 304
    assert world.public.get(url, headers={"Range": f"bytes={len(PASSPORT) + 5}-"}).status_code == 416
    as_json = world.public.get(url, headers={"Accept": "application/json"})
    assert as_json.status_code == 200 and as_json.json()["filename"] == PASSPORT_NAME


def test_max_uses_one_gives_exactly_one_download_among_twenty_concurrent_gets(world: World) -> None:
    url = world.mint("documents", world.passport, maxUses=1)["url"]
    start = threading.Barrier(20)
    statuses: list[int] = []
    bodies: list[bytes] = []
    lock = threading.Lock()

    def fetch() -> None:
        with httpx.Client(base_url=str(world.public.base_url), timeout=30) as client:
            start.wait()
            answer = client.get(url)
        with lock:
            statuses.append(answer.status_code)
            if answer.status_code == 200:
                bodies.append(answer.content)

    threads = [threading.Thread(target=fetch) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200] + [410] * 19
    assert bodies == [PASSPORT]
    again = world.internal.get(url)
    assert again.status_code == 410 and again.json()["code"] == "LINK_EXPIRED"


def test_head_and_not_modified_do_not_use_up_a_link(world: World) -> None:
    url = world.mint("photo", world.photo, maxUses=1)["url"]
    assert world.public.head(url).status_code == 200
    assert world.public.get(url, headers={"If-None-Match": f'"{world.photo.checksum}"'}).status_code == 304
    assert world.public.get(url).content == PHOTO
    assert world.public.get(url).status_code == 410
    assert world.public.head(url).status_code == 410


def test_an_expired_link_is_gone(world: World) -> None:
    link = world.mint("documents", world.passport, expiresIn=1)
    time.sleep(max(0.0, _epoch(link["expiresAt"]) - time.time()) + 0.2)  # whole seconds, never shorter
    answer = world.public.get(link["url"])
    assert answer.status_code == 410
    assert answer.json()["code"] == "LINK_EXPIRED" and "expired" in answer.json()["detail"]


def test_a_tampered_or_foreign_token_is_not_found(world: World) -> None:
    url = world.mint("documents", world.passport)["url"]
    token = url.rsplit("/", 1)[1]
    payload, signature = token.split(".")
    flipped = "B" if payload[10] == "A" else "A"
    forged = [
        payload[:10] + flipped + payload[11:] + "." + signature,  # another payload, same signature
        payload + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB"),  # another signature
        payload,  # no signature
        token + "x",
        token + "=",  # one spelling per token
        "x" * 300,
        "not-a-token",
    ]
    claims = LinkSigner([KEY_A]).verify(token)
    assert claims is not None
    stranger_key = "some-other-service-" + "z" * 40
    forged.append(LinkSigner([stranger_key]).sign(claims))  # the same claims, signed with a foreign key
    for candidate in forged:
        answer = world.public.get(f"{API}/l/{candidate}")
        assert answer.status_code == 404, candidate
        assert answer.json()["code"] == "NOT_FOUND"
    assert world.public.get(url).status_code == 200  # the genuine one still works


def test_a_token_for_a_link_that_was_never_minted_is_not_found(world: World) -> None:
    claims = LinkSigner([KEY_A]).verify(world.mint("photo", world.photo)["url"].rsplit("/", 1)[1])
    assert claims is not None
    unknown = LinkClaims("00000000-0000-4000-8000-000000000000", claims.expires_at, False, claims.binding)
    assert world.public.get(f"{API}/l/{LinkSigner([KEY_A]).sign(unknown)}").status_code == 404


def test_a_replaced_file_invalidates_its_links(world: World) -> None:
    upload = world.upload
    first = upload("перше.png", PHOTO + b"first")
    user_id = create_user(world.internal, world.officer, photo=first.ref)
    path = f"{API}/files/user/{user_id}/photo/{first.id}/links"
    url = world.internal.post(path, json={}, headers=world.officer).json()["url"]
    assert world.public.get(url).status_code == 200
    second = upload("друге.png", PHOTO + b"second")
    replaced = world.internal.put(
        f"{API}/user/{user_id}",
        json={"name": "Петро", "photo": second.ref},
        headers={**world.officer, **WRITE_HEADERS},
    )
    assert replaced.status_code == 204, replaced.text
    gone = world.public.get(url)
    assert gone.status_code == 410 and "replaced" in gone.json()["detail"]


def test_a_link_is_bound_to_the_checksum_it_was_made_for(world: World) -> None:
    """Even with the same file id: a catalogue entry (and entity value) whose content changed since
    the link was made no longer opens it."""
    file = world.upload("довідка.pdf", b"%PDF-1.4\n first version \n%%EOF\n")
    user_id = create_user(world.internal, world.officer, documents=[file.ref])
    path = f"{API}/files/user/{user_id}/documents/{file.id}"
    url = world.internal.post(f"{path}/links", headers=world.officer).json()["url"]
    assert world.internal.get(url).status_code == 200
    changed = "0" * 64
    engine = sa.create_engine(world.registry.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("UPDATE ddm_files SET checksum = :c WHERE id = :i"), {"c": changed, "i": file.id}
            )
            connection.execute(
                sa.text('UPDATE "user" SET documents = ARRAY[ROW(:i, :c)::type_file] WHERE user_id = :u'),
                {"c": changed, "i": file.id, "u": user_id},
            )
    finally:
        engine.dispose()
    answer = world.internal.get(url)
    assert answer.status_code == 410 and answer.json()["code"] == "LINK_EXPIRED"


def test_links_can_be_listed_and_revoked_one_or_all(world: World) -> None:
    file = world.upload("паспорт.pdf", PASSPORT + b"revocation")
    user_id = create_user(world.internal, world.officer, documents=[file.ref])
    path = f"{API}/files/user/{user_id}/documents/{file.id}/links"
    made = [world.internal.post(path, json={"maxUses": 5}, headers=world.officer).json() for _ in range(3)]
    assert all(world.public.get(link["url"]).status_code == 200 for link in made)

    one = world.internal.delete(f"{path}/{made[0]['id']}", headers=world.officer)
    assert one.status_code == 204
    assert world.public.get(made[0]["url"]).status_code == 410
    assert world.public.get(made[1]["url"]).status_code == 200
    assert world.internal.delete(f"{path}/{made[0]['id']}", headers=world.officer).status_code == 204  # again
    unknown = world.internal.delete(f"{path}/00000000-0000-4000-8000-000000000000", headers=world.officer)
    assert unknown.status_code == 404

    listed = world.internal.get(path, headers=world.officer)
    assert listed.status_code == 200
    by_id = {link["id"]: link for link in listed.json()}
    assert set(by_id) == {link["id"] for link in made}
    assert by_id[made[0]["id"]]["revokedAt"] is not None and by_id[made[1]["id"]]["revokedAt"] is None
    assert by_id[made[1]["id"]]["uses"] == 2 and by_id[made[1]["id"]]["maxUses"] == 5
    assert by_id[made[1]["id"]]["createdBy"] == "officer-1"
    assert "token" not in by_id[made[1]["id"]] and "url" not in by_id[made[1]["id"]]

    everything = world.internal.delete(path, headers=world.officer)
    assert everything.status_code == 200 and everything.json() == {"revoked": 2}
    assert all(world.public.get(link["url"]).status_code == 410 for link in made)


def test_only_callers_who_may_read_the_file_make_links(world: World) -> None:
    documents = f"{world.file_path('documents', world.passport)}/links"
    photo = f"{world.file_path('photo', world.photo)}/links"
    denied = world.internal.post(documents, json={}, headers=world.citizen)  # citizens read name and photo
    assert denied.status_code == 403 and denied.json()["code"] == "FORBIDDEN_OPERATION"
    assert world.internal.get(documents, headers=world.citizen).status_code == 403
    assert world.internal.delete(documents, headers=world.citizen).status_code == 403
    assert world.internal.post(photo, json={}, headers=world.citizen).status_code == 201
    anonymous = world.internal.post(documents, json={})
    assert anonymous.status_code == 401
    assert world.public.post(documents, json={}).status_code == 404  # public mounts no link management


def test_minting_checks_what_it_is_asked(world: World) -> None:
    documents = f"{world.file_path('documents', world.passport)}/links"

    def mint(body: Any, path: str = documents) -> httpx.Response:
        return world.internal.post(path, json=body, headers=world.officer)

    too_long = mint({"expiresIn": 86401})
    assert too_long.status_code == 422 and too_long.json()["details"]["errors"][0]["field"] == "expiresIn"
    assert mint({"expiresIn": 0}).status_code == 422
    assert mint({"maxUses": 0}).status_code == 422
    assert mint({"maxUses": 1001}).status_code == 422
    assert mint({"disposition": "render"}).status_code == 422
    assert mint({"expiresIn": 60, "scope": "all"}).status_code == 422  # unknown members are refused
    assert mint({}, documents.replace(world.passport.id, world.photo.id)).status_code == 404  # not held there
    assert (
        mint({}, documents.replace(world.user_id, "00000000-0000-4000-8000-000000000000")).status_code == 404
    )
    assert mint({}, documents.replace("/files/user/", "/files/no-such-entity/")).status_code == 404
    made = mint({"expiresIn": 86400})
    assert made.status_code == 201
    remaining = time.time() + 86400
    expires = made.json()["expiresAt"]
    assert abs(_epoch(expires) - remaining) < 120


def test_inline_only_for_types_safe_to_render(world: World) -> None:
    photo = world.mint("photo", world.photo, disposition="inline")
    assert photo["disposition"] == "inline"
    shown = world.public.get(photo["url"])
    assert shown.status_code == 200 and shown.content == PHOTO
    assert shown.headers["content-type"] == "image/png"
    assert shown.headers["content-disposition"].startswith("inline; ")
    policy = shown.headers["content-security-policy"]
    assert policy.split(";")[0] == "sandbox" and "script-src" not in policy

    page = world.mint("documents", world.page, disposition="inline")
    assert page["disposition"] == "attachment"  # asked inline, refused: HTML could run scripts
    served = world.public.get(page["url"])
    assert served.status_code == 200 and served.content == PAGE
    assert served.headers["content-type"] == "text/plain"
    assert served.headers["content-disposition"].startswith('attachment; filename="zayava.html"')
    assert served.headers["content-security-policy"].startswith("sandbox")


def test_links_fail_closed_without_a_key(world: World, registry: Registry) -> None:
    keyless_internal = registry.serve("internal")
    keyless_public = registry.serve("public")
    path = f"{world.file_path('documents', world.passport)}/links"
    refused = keyless_internal.post(path, json={}, headers=world.officer)
    assert refused.status_code == 503 and refused.json()["code"] == "LINKS_NOT_CONFIGURED"
    url = world.mint("documents", world.passport)["url"]  # valid on the services that have the key
    assert keyless_public.get(url).status_code == 404
    assert keyless_internal.get(url).status_code == 404


def test_the_first_key_signs_and_every_key_verifies(world: World, registry: Registry) -> None:
    rotated = registry.serve("internal", signing_keys=[KEY_B, KEY_A])
    path = f"{world.file_path('documents', world.passport)}/links"
    url = rotated.post(path, json={}, headers=world.officer).json()["url"]
    assert world.public.get(url).status_code == 200  # public knows B
    assert world.internal.get(url).status_code == 404  # internal (A only) does not: B signed it
    old = world.mint("documents", world.passport)["url"]  # signed with A
    assert rotated.get(old).status_code == 200  # still verified after the rotation


def test_a_development_key_is_shared_through_the_data_dir(world: World, registry: Registry) -> None:
    internal = registry.serve("internal", dev_key=True)
    public = registry.serve("public", dev_key=True)
    key_file = registry.data_dir / "dev-auth" / "link-signing-key"
    assert key_file.stat().st_mode & 0o077 == 0
    path = f"{world.file_path('photo', world.photo)}/links"
    url = internal.post(path, json={}, headers=world.officer).json()["url"]
    assert public.get(url).status_code == 200
    assert world.public.get(url).status_code == 404  # a service with real keys never trusts it


def test_absolute_urls_with_a_base_url(world: World, registry: Registry) -> None:
    internal = registry.serve("internal", signing_keys=[KEY_A], base_url="https://files.example.org/")
    path = f"{world.file_path('photo', world.photo)}/links"
    link = internal.post(path, json={}, headers=world.officer).json()
    assert link["url"].startswith(f"https://files.example.org{API}/l/")
    assert world.public.get(link["url"].removeprefix("https://files.example.org")).status_code == 200


def test_public_short_links_serve_published_columns_only(world: World) -> None:
    photo = world.public.get(f"{API}/s/{world.photo.short_name}")  # anonymous, published column
    assert photo.status_code == 200 and photo.content == PHOTO
    assert hashlib.sha256(photo.content).hexdigest() == world.photo.checksum
    assert world.public.head(f"{API}/s/{world.photo.short_name}").status_code == 200
    assert (
        world.public.get(f"{API}/s/{world.passport.short_name}").status_code == 404
    )  # documents: not published
    assert world.public.get(f"{API}/s/{'x' * 22}").status_code == 404
    assert (
        world.internal.get(f"{API}/s/{world.photo.short_name}").status_code == 401
    )  # internal needs a token


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()
