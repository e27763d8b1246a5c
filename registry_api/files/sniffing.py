"""The content type of a file, from its first bytes (magic numbers); never the client's claim."""

from __future__ import annotations

import filetype

OCTET_STREAM = "application/octet-stream"
SNIFF_BYTES = 8192  # how much of a file the detection looks at


def detect_file_type(head: bytes) -> str:
    """The content type from the file's first bytes (magic numbers); never the client's claim."""
    kind = filetype.guess(head) if head else None
    if kind is not None:
        return str(kind.mime)
    return "text/plain" if _looks_like_text(head) else OCTET_STREAM


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # the sniffed window may cut a multi-byte character at its end
        if error.start < len(head) - 3:
            return False
    return True


# Types a browser may render inline from a link (``disposition=inline``): raster images and PDF.
# SVG is an image that runs scripts, and anything text-like may be HTML in disguise: always attachments.
INLINE_SAFE_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp", "application/pdf"}
)


def renders_safely_inline(file_type: str) -> bool:
    """Whether a file of this (sniffed) type may be shown by the browser instead of downloaded."""
    return file_type in INLINE_SAFE_TYPES
