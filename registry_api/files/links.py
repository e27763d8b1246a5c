"""Signed links for forms: ``/l/<token>`` opens one file of one entity field, for anyone holding the
link, with a plain GET (no header), until it expires (docs/links.md).

What makes a link valid, checked in this order on every request:

1. its signature, with one of ``links.signing_keys`` (else 404: a forged or mangled token names nothing);
2. its expiry, carried in the signed token (else 410 ``LINK_EXPIRED``, without touching the database);
3. its row in ``ddm_file_links``: not revoked and, with ``maxUses``, not used up (410);
4. the file: still held by that field of that entity, with the checksum the link was made for (410).

A GET that delivers content counts one use, in a single conditional ``UPDATE`` (so ``maxUses`` holds
when many requests race); HEAD and 304 answers count nothing. Access is not decided here: minting is
for callers the HTTP edge found may read the file; opening needs nothing but the signature.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine, Row

from registry_api.access import Identity
from registry_api.errors import ApiError, ErrorCode
from registry_api.files.catalogue import CatalogueEntry, is_file_id
from registry_api.files.content import INLINE_CONTENT_SECURITY_POLICY, DownloadAnswer, DownloadQuery
from registry_api.files.dev_link_key import DEV_LINK_KEY_FILE, dev_link_key
from registry_api.files.link_table import ddm_file_links
from registry_api.files.link_tokens import LinkClaims, LinkSigner, binding_of
from registry_api.files.service import FileService
from registry_api.files.sniffing import renders_safely_inline
from registry_api.settings import LinkSettings, Settings
from schemas.wire import SignedLink, SignedLinkInfo

log = logging.getLogger(__name__)

LINK_PATH = "/l"  # under the API root: /api/data-factory/l/<token>
# Headers of every answer to a link: the URL is a credential, so it must not travel on as a Referer
# (a PDF's own links), be indexed, or be kept in a shared cache.
LINK_HEADERS = {
    "Cache-Control": "private",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}
_DELIVERED = (200, 206)
_EXPIRED_KEPT = timedelta(days=1)  # expired links stay listed this long, then minting removes them
_CLEANUP_BATCH = 100


class LinkService:
    """Mint, open, list and revoke signed links. ``signer`` is None when no key is configured: then
    nothing can be minted (503 ``LINKS_NOT_CONFIGURED``) and every token is unknown (404)."""

    def __init__(
        self,
        settings: LinkSettings,
        api_root: str,
        engine: Engine,
        files: FileService,
        signer: LinkSigner | None,
    ) -> None:
        self.settings = settings
        self.api_root = api_root.rstrip("/")
        self.engine = engine
        self.files = files
        self.signer = signer

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine, files: FileService) -> LinkService:
        links = settings.links
        keys = [key.get_secret_value() for key in links.signing_keys]
        if not keys and links.dev_key:
            path = settings.data_dir / DEV_LINK_KEY_FILE
            log.warning(
                "DEVELOPMENT LINK KEY IS ON: signed links are signed with the key in %s. Anyone who can "
                "read it can open any file of this registry. Never use in production: set "
                "REGISTRY_LINKS__SIGNING_KEYS instead.",
                path,
            )
            keys = [dev_link_key(settings.data_dir)]
        if not keys:
            log.info("signed links are off: REGISTRY_LINKS__SIGNING_KEYS is not set")
        signer = LinkSigner(keys) if keys else None
        return cls(links, settings.api_root, engine, files, signer)

    @property
    def enabled(self) -> bool:
        return self.signer is not None

    # ------------------------------------------------------------------------------------ mint

    def mint(
        self,
        table: str,
        column: str,
        entity_id: Any,
        file_id: str,
        identity: Identity,
        *,
        expires_in_s: int | None = None,
        inline: bool = False,
        max_uses: int | None = None,
    ) -> SignedLink:
        """A link to the file ``column`` of that entity holds (404 otherwise). ``inline`` is honoured
        only for types safe to render (``files.sniffing``); the answer says how it will be served."""
        signer = self._signer()
        expires_in = self.settings.default_expiry_s if expires_in_s is None else expires_in_s
        problems = []
        if not 0 < expires_in <= self.settings.max_expiry_s:
            problems.append(("expiresIn", f"must be between 1 and {self.settings.max_expiry_s} seconds"))
        if max_uses is not None and not 0 < max_uses <= self.settings.max_uses_limit:
            problems.append(("maxUses", f"must be between 1 and {self.settings.max_uses_limit}"))
        if problems:
            raise ApiError(
                ErrorCode.VALIDATION_ERROR,
                "; ".join(f"{field} {message}" for field, message in problems),
                details={"errors": [{"field": field, "message": message} for field, message in problems]},
            )
        entry = self.files.bound_entry(table, column, entity_id, file_id)
        key = _entity_key(entity_id)
        served_inline = inline and renders_safely_inline(entry.file_type)
        link_id = str(uuid.uuid4())
        now = time.time()
        expires_at = math.ceil(now + expires_in)
        with self.engine.begin() as connection:
            _remove_long_expired(connection, now)
            connection.execute(
                insert(ddm_file_links).values(
                    id=link_id,
                    file_id=entry.id,
                    entity=table,
                    entity_id=key,
                    field=column,
                    checksum=entry.checksum,
                    disposition=_disposition(served_inline),
                    max_uses=max_uses,
                    created_by=None if identity.anonymous else identity.subject,
                    expires_at=_datetime(expires_at),
                )
            )
        claims = LinkClaims(
            link_id, expires_at, served_inline, binding_of(table, key, column, entry.id, entry.checksum)
        )
        path = f"{self.api_root}{LINK_PATH}/{signer.sign(claims)}"
        return SignedLink.model_validate(
            {
                "id": link_id,
                "url": f"{self.settings.base_url or ''}{path}",
                "expiresAt": _datetime(expires_at),
                "disposition": _disposition(served_inline),
                "maxUses": max_uses,
            }
        )

    # ------------------------------------------------------------------------------------ open

    def open(self, token: str, query: DownloadQuery) -> DownloadAnswer:
        """``GET|HEAD /l/<token>``: the file, with the content route's Range/ETag/HEAD behaviour."""
        claims = self.signer.verify(token) if self.signer is not None else None
        if claims is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such link")
        if claims.expires_at <= time.time():
            raise _gone("This link has expired")
        with self.engine.connect() as connection:
            row = connection.execute(
                select(ddm_file_links).where(ddm_file_links.c.id == claims.link_id)
            ).first()
        if row is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such link")
        _check_usable(row)
        entry = self._current_file(row, claims)
        download = replace(query, inline=claims.inline)
        if query.head:
            return _with_link_headers(self.files.respond(entry, download))
        if not self._consume(claims.link_id):
            raise _gone("This link was revoked or has been used up")
        try:
            answer = self.files.respond(entry, download)
        except BaseException:
            self._give_back(claims.link_id)  # nothing was delivered
            raise
        if answer.status not in _DELIVERED:
            self._give_back(claims.link_id)  # a 304 delivers nothing
        return _with_link_headers(answer)

    def _current_file(self, row: Row[Any], claims: LinkClaims) -> CatalogueEntry:
        link = row._mapping
        try:
            entry = self.files.bound_entry(link["entity"], link["field"], link["entity_id"], link["file_id"])
        except ApiError as error:
            if error.code is ErrorCode.NOT_FOUND:
                raise _gone("The file of this link was replaced or removed") from None
            raise
        expected = binding_of(link["entity"], link["entity_id"], link["field"], entry.id, entry.checksum)
        if entry.checksum != link["checksum"] or expected != claims.binding:
            raise _gone("The file of this link was replaced")
        return entry

    def _consume(self, link_id: str) -> bool:
        """One use, atomically: PostgreSQL re-checks the condition on the row it locked, so of many
        concurrent requests for the last use exactly one gets it."""
        links = ddm_file_links.c
        with self.engine.begin() as connection:
            used = connection.execute(
                update(ddm_file_links)
                .where(
                    links.id == link_id,
                    links.revoked_at.is_(None),
                    links.expires_at > _datetime(time.time()),
                    links.max_uses.is_(None) | (links.uses < links.max_uses),
                )
                .values(uses=links.uses + 1)
                .returning(links.uses)
            ).first()
        return used is not None

    def _give_back(self, link_id: str) -> None:
        links = ddm_file_links.c
        try:
            with self.engine.begin() as connection:
                connection.execute(
                    update(ddm_file_links)
                    .where(links.id == link_id, links.uses > 0)
                    .values(uses=links.uses - 1)
                )
        except Exception:  # the use stays counted: the link is used up sooner, never later
            log.warning("could not give back a use of link %s", link_id)

    # ------------------------------------------------------------------------------------ manage

    def list(self, table: str, column: str, entity_id: Any, file_id: str) -> list[SignedLinkInfo]:
        """The links made for that file of that entity field, newest first (tokens are not kept)."""
        if not is_file_id(file_id):
            return []
        links = ddm_file_links.c
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(ddm_file_links)
                .where(*_of_file(table, column, entity_id, file_id))
                .order_by(links.created_at.desc(), links.id)
            ).fetchall()
        return [
            SignedLinkInfo.model_validate(
                {
                    "id": str(row.id),
                    "createdAt": row.created_at,
                    "createdBy": row.created_by,
                    "expiresAt": row.expires_at,
                    "disposition": row.disposition,
                    "maxUses": row.max_uses,
                    "uses": row.uses,
                    "revokedAt": row.revoked_at,
                }
            )
            for row in rows
        ]

    def revoke_all(self, table: str, column: str, entity_id: Any, file_id: str) -> int:
        """Revoke every link of that file of that entity field; how many were still unrevoked."""
        if not is_file_id(file_id):
            return 0
        return self._revoke(*_of_file(table, column, entity_id, file_id))

    def revoke(self, table: str, column: str, entity_id: Any, file_id: str, link_id: str) -> None:
        """Revoke one link (404 unless it is a link of that file of that entity field)."""
        if not (is_file_id(file_id) and is_file_id(link_id)):
            raise ApiError(ErrorCode.NOT_FOUND, "No such link")
        conditions = (*_of_file(table, column, entity_id, file_id), ddm_file_links.c.id == link_id)
        with self.engine.begin() as connection:
            found = connection.execute(select(ddm_file_links.c.id).where(*conditions)).first()
        if found is None:
            raise ApiError(ErrorCode.NOT_FOUND, "No such link")
        self._revoke(*conditions)

    def _revoke(self, *conditions: Any) -> int:
        links = ddm_file_links.c
        with self.engine.begin() as connection:
            result = connection.execute(
                update(ddm_file_links)
                .where(*conditions, links.revoked_at.is_(None))
                .values(revoked_at=_datetime(time.time()))
            )
        return int(result.rowcount)

    def _signer(self) -> LinkSigner:
        if self.signer is None:
            raise ApiError(
                ErrorCode.LINKS_NOT_CONFIGURED,
                "Signed links are off: the service has no signing key (REGISTRY_LINKS__SIGNING_KEYS)",
            )
        return self.signer


def _of_file(table: str, column: str, entity_id: Any, file_id: str) -> tuple[Any, ...]:
    links = ddm_file_links.c
    return (
        links.file_id == str(uuid.UUID(file_id)),
        links.entity == table,
        links.entity_id == _entity_key(entity_id),
        links.field == column,
    )


def _check_usable(row: Row[Any]) -> None:
    link = row._mapping
    if link["revoked_at"] is not None:
        raise _gone("This link was revoked")
    if link["max_uses"] is not None and link["uses"] >= link["max_uses"]:
        raise _gone("This link has been used up")


def _remove_long_expired(connection: Any, now: float) -> None:
    links = ddm_file_links.c
    stale = select(links.id).where(links.expires_at < _datetime(now) - _EXPIRED_KEPT).limit(_CLEANUP_BATCH)
    connection.execute(delete(ddm_file_links).where(links.id.in_(stale.scalar_subquery())))


def _with_link_headers(answer: DownloadAnswer) -> DownloadAnswer:
    headers = {**answer.headers, **LINK_HEADERS}
    headers.setdefault("Content-Security-Policy", INLINE_CONTENT_SECURITY_POLICY)
    return replace(answer, headers=headers)


def _gone(detail: str) -> ApiError:
    return ApiError(ErrorCode.LINK_EXPIRED, detail)


def _disposition(inline: bool) -> str:
    return "inline" if inline else "attachment"


def _datetime(epoch_s: float) -> datetime:
    return datetime.fromtimestamp(epoch_s, UTC)


def _entity_key(entity_id: Any) -> str:
    """The entity id as links record it: a UUID in its canonical form, anything else as text."""
    try:
        return str(uuid.UUID(str(entity_id)))
    except ValueError:
        return str(entity_id)
