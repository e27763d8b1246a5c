"""The parts of signed links that need no server: tokens, keys and their settings."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from registry_api.files.dev_link_key import DEV_LINK_KEY_FILE, dev_link_key
from registry_api.files.link_tokens import LinkClaims, LinkSigner, binding_of
from registry_api.files.sniffing import renders_safely_inline
from registry_api.settings import Settings, SettingsError, load_settings, settings_environment

KEY_1 = "k1-" + "x" * 40
KEY_2 = "k2-" + "y" * 40
CLAIMS = LinkClaims(
    "4c0d1a7e-9f0b-4e52-8a43-2f6b1d7c9e10", 1_900_000_000, True, binding_of("user", "1", "photo", "f", "c")
)


def test_a_token_round_trips_and_stays_short() -> None:
    token = LinkSigner([KEY_1]).sign(CLAIMS)
    assert LinkSigner([KEY_1]).verify(token) == CLAIMS
    assert len(token) <= 100 and set(token) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."
    )


def test_rotation_the_first_key_signs_every_key_verifies() -> None:
    rotated = LinkSigner([KEY_2, KEY_1])
    assert rotated.verify(LinkSigner([KEY_1]).sign(CLAIMS)) == CLAIMS  # old links keep working
    fresh = rotated.sign(CLAIMS)
    assert LinkSigner([KEY_2]).verify(fresh) == CLAIMS  # signed with the first key
    assert LinkSigner([KEY_1]).verify(fresh) is None


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),
        lambda t: ("A" if t[0] != "A" else "B") + t[1:],
        lambda t: t.split(".")[0],
        lambda t: t.replace(".", ".."),
        lambda t: t + "=",
        lambda t: "",
        lambda t: "é" + t,
        lambda t: t * 3,
    ],
)
def test_anything_but_a_signed_token_verifies_to_nothing(mangle: object) -> None:
    token = LinkSigner([KEY_1]).sign(CLAIMS)
    assert LinkSigner([KEY_1]).verify(mangle(token)) is None  # type: ignore[operator]


def test_the_binding_names_one_file_of_one_field_at_one_content() -> None:
    base = binding_of("user", "1", "photo", "f", "c")
    assert len(base) == 16
    others = [
        binding_of("city", "1", "photo", "f", "c"),
        binding_of("user", "2", "photo", "f", "c"),
        binding_of("user", "1", "documents", "f", "c"),
        binding_of("user", "1", "photo", "g", "c"),
        binding_of("user", "1", "photo", "f", "d"),
        binding_of("user", "1p", "hoto", "f", "c"),  # separators keep fields apart
    ]
    assert base not in others and len(set(others)) == len(others)


def test_only_raster_images_and_pdf_render_inline() -> None:
    for safe in ("image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"):
        assert renders_safely_inline(safe)
    for unsafe in ("image/svg+xml", "text/html", "text/plain", "application/xml", "application/octet-stream"):
        assert not renders_safely_inline(unsafe)


def test_link_keys_must_be_long_and_distinct(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_LINKS__SIGNING_KEYS", '["short"]')
    with pytest.raises(SettingsError, match=r"REGISTRY_LINKS__SIGNING_KEYS.*shorter than 32"):
        load_settings()
    monkeypatch.setenv("REGISTRY_LINKS__SIGNING_KEYS", f'["{KEY_1}", "{KEY_1}"]')
    with pytest.raises(SettingsError, match="listed twice"):
        load_settings()
    monkeypatch.setenv("REGISTRY_LINKS__SIGNING_KEYS", f'["{KEY_2}", "{KEY_1}"]')
    monkeypatch.setenv("REGISTRY_LINKS__DEFAULT_EXPIRY_S", "90000")
    with pytest.raises(SettingsError, match="default_expiry_s must not exceed max_expiry_s"):
        load_settings()
    monkeypatch.delenv("REGISTRY_LINKS__DEFAULT_EXPIRY_S")
    settings = load_settings()
    assert [k.get_secret_value() for k in settings.links.signing_keys] == [KEY_2, KEY_1]
    assert KEY_1 not in repr(settings)  # secrets stay out of logs


def test_workers_get_the_same_link_keys() -> None:
    settings = Settings(links={"signing_keys": [KEY_2, KEY_1], "base_url": "https://r.example.org/"})  # type: ignore[arg-type]
    environment = settings_environment(settings)
    assert environment["REGISTRY_LINKS__SIGNING_KEYS"] == f'["{KEY_2}", "{KEY_1}"]'
    assert settings.links.base_url == "https://r.example.org"


def test_the_development_key_is_private_and_one_for_all(tmp_path: Path) -> None:
    keys: list[str] = []
    threads = [threading.Thread(target=lambda: keys.append(dev_link_key(tmp_path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(keys)) == 1 and len(keys[0]) >= 32
    path = tmp_path / DEV_LINK_KEY_FILE
    assert path.stat().st_mode & 0o077 == 0 and path.parent.stat().st_mode & 0o077 == 0
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # no drafts left behind
