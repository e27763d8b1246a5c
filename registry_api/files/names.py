"""File names: what we store (NFC, sanitised), what we send (RFC 6266 / RFC 8187), short links."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

import shortuuid
from anyascii import anyascii

MAX_FILENAME_CHARS = 255
SHORT_NAME_LENGTH = 22  # 22 symbols of a 57-symbol alphabet: about 128 random bits
DEFAULT_FILENAME = "file"

_short_names = shortuuid.ShortUUID()  # .random() draws from the `secrets` CSPRNG


def sanitize_filename(raw: str | None) -> str:
    """NFC-normalised, without control characters, path separators or surrounding blanks/dots,
    at most ``MAX_FILENAME_CHARS`` characters with the extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # a client path ("C:\\docs\\a.pdf") keeps its last part
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = name.strip().strip(".").strip()
    if not name:
        return DEFAULT_FILENAME
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    return name


def ascii_fallback(name: str) -> str:
    """A transliterated ASCII name for the ``filename=`` parameter (``паспорт.pdf`` → ``pasport.pdf``)."""
    ascii_name = anyascii(name)
    ascii_name = "".join(ch if 0x20 <= ord(ch) < 0x7F and ch not in '"\\' else "_" for ch in ascii_name)
    return ascii_name.strip() or DEFAULT_FILENAME


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """``attachment; filename="<ascii>"; filename*=UTF-8''<pct-encoded>`` — the fallback first
    (RFC 6266 App. D); the header stays pure ASCII, so Starlette never fails to encode it."""
    return f"{disposition}; filename=\"{ascii_fallback(name)}\"; filename*=UTF-8''{quote(name, safe='')}"


def new_short_name() -> str:
    return _short_names.random(length=SHORT_NAME_LENGTH)
