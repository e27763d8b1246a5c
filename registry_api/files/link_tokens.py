"""Tokens of signed links: ``<payload>.<signature>``, both base64url, signed with HMAC-SHA256
(itsdangerous, key derived per purpose) with key rotation: the first key signs, every key verifies.

The payload is small and binary, so a link stays short (~100 characters): a format version, the link
id, its expiry, whether it is served inline, and a digest binding it to one file of one entity field
at one checksum. Nothing in a token is trusted before its signature is checked, and a token never
carries a name, an entity id or a checksum in the clear.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, Signer

_SALT = b"registry-api.file-link.v1"  # domain separation: these keys sign nothing else
_VERSION = 1
_LAYOUT = struct.Struct(">B16sQB16s")  # version, link id, expires (unix s), inline, binding
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{1,100}\.[A-Za-z0-9_-]{1,100}")  # one spelling per token: no padding


@dataclass(frozen=True)
class LinkClaims:
    link_id: str
    expires_at: int  # unix seconds
    inline: bool
    binding: bytes  # 16 bytes, see :func:`binding_of`


def binding_of(entity: str, entity_id: str, field: str, file_id: str, checksum: str) -> bytes:
    """What a link opens, condensed: any other entity, field, file or content gives another digest."""
    material = "\x00".join((entity, entity_id, field, file_id, checksum)).encode()
    return hashlib.sha256(b"registry-api.file-link.binding\x00" + material).digest()[:16]


class LinkSigner:
    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise ValueError("a link signer needs at least one key")
        # itsdangerous signs with the last key and verifies with all: our first key is the newest.
        self._signer = Signer(
            list(reversed(keys)),
            salt=_SALT,
            key_derivation="hmac",
            digest_method=hashlib.sha256,
        )

    def sign(self, claims: LinkClaims) -> str:
        payload = _LAYOUT.pack(
            _VERSION, uuid.UUID(claims.link_id).bytes, claims.expires_at, int(claims.inline), claims.binding
        )
        return self._signer.sign(_b64encode(payload)).decode("ascii")

    def verify(self, token: str) -> LinkClaims | None:
        """The claims of a token signed with one of the keys; None for anything else."""
        if not _TOKEN_SHAPE.fullmatch(token):
            return None
        try:
            payload = _b64decode(self._signer.unsign(token.encode("ascii")))
            version, link_id, expires_at, inline, binding = _LAYOUT.unpack(payload)
        except (BadSignature, binascii.Error, ValueError, struct.error):
            return None
        if version != _VERSION or inline not in (0, 1):
            return None
        return LinkClaims(str(uuid.UUID(bytes=link_id)), expires_at, bool(inline), binding)


def _b64encode(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _b64decode(data: bytes) -> bytes:
    return base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
