"""RFC 9110 pieces the file endpoint needs: content negotiation, validators and byte ranges."""

from __future__ import annotations

from dataclasses import dataclass

JSON = "application/json"


def wants_json(accept: str | None) -> bool:
    """True when ``application/json`` is acceptable and no type acceptable for the raw bytes is
    preferred to it. ``*/*`` and ``application/*`` are served raw; browsers therefore get bytes."""
    if not accept:
        return False
    json_q = 0.0
    best_other_q = 0.0
    for media_range, q in _parse_accept(accept):
        if media_range == JSON:
            json_q = max(json_q, q)
        else:
            best_other_q = max(best_other_q, q)
    return json_q > 0 and json_q >= best_other_q


def _parse_accept(accept: str) -> list[tuple[str, float]]:
    ranges: list[tuple[str, float]] = []
    for item in accept.split(","):
        media_range, *params = (part.strip() for part in item.split(";"))
        if not media_range:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        ranges.append((media_range.lower(), q))
    return ranges


def none_match(if_none_match: str | None, etag: str) -> bool:
    """``If-None-Match`` matches (→ 304): ``*``, or any listed tag equal under weak comparison."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    wanted = _opaque(etag)
    return any(_opaque(tag) == wanted for tag in _split_tags(if_none_match))


def if_range_allows(if_range: str | None, etag: str) -> bool:
    """``If-Range`` with a strong tag equal to ours keeps the range; anything else (a date, a weak
    or a different tag) asks for the whole representation."""
    if if_range is None:
        return True
    tag = if_range.strip()
    return not tag.startswith("W/") and tag == etag


def _split_tags(header: str) -> list[str]:
    return [tag.strip() for tag in header.split(",") if tag.strip()]


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


@dataclass(frozen=True)
class ByteRange:
    first: int
    last: int  # inclusive

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


class RangeNotSatisfiableError(Exception):
    pass


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The single byte range asked for, or None to send everything (no header, or a syntax we do
    not serve such as several ranges). Raises
    :class:`RangeNotSatisfiableError` when no byte of the file is in the range."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None  # the server MAY ignore Range (RFC 9110 §14.2); several ranges are served whole
    first_text, dash, last_text = spec.strip().partition("-")
    first_text, last_text = first_text.strip(), last_text.strip()
    if (
        not dash
        or not (first_text.isdigit() or first_text == "")
        or not (last_text.isdigit() or last_text == "")
    ):
        return None
    if first_text == "":
        if last_text == "":
            return None
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            raise RangeNotSatisfiableError
        byte_range = ByteRange(max(size - suffix, 0), size - 1)
    else:
        first = int(first_text)
        last = int(last_text) if last_text else size - 1
        if last_text and last < first:
            return None  # invalid: ignored (RFC 9110 §14.1.1)
        if first >= size:
            raise RangeNotSatisfiableError
        byte_range = ByteRange(first, min(last, size - 1))
    return byte_range
