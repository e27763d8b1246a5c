"""The demo's sample records and files: deterministic bytes, so tests can compare downloads with them."""

from __future__ import annotations

import hashlib
import struct
import zlib
from dataclasses import dataclass


@dataclass(frozen=True)
class SampleFile:
    filename: str
    content_type: str
    content: bytes

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _pdf(text: str) -> bytes:
    """A minimal valid one-page PDF showing ``text`` (ASCII), with a correct cross-reference table."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png(width: int = 32, height: int = 32) -> bytes:
    """A small RGB PNG (a blue-to-yellow gradient, the colours of the flag)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type: none
        top = y < height // 2
        for x in range(width):
            shade = 40 + (x * 4) % 60
            rows += bytes((0, 87 + shade // 2, 183)) if top else bytes((255, 215 - shade // 3, 0))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(bytes(rows), 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


PASSPORT = SampleFile("паспорт Петра.pdf", "application/pdf", _pdf("Passport of Petro Shevchenko (sample)"))
RESIDENCE = SampleFile(
    "довідка про місце проживання.pdf", "application/pdf", _pdf("Certificate of residence (sample)")
)
PHOTO = SampleFile("фото Петра.png", "image/png", _png())
# An application form someone saved as HTML: a document like the others, and a script that must never
# run from a link (the service sniffs it as text and always serves it as an attachment).
APPLICATION = SampleFile(
    "заява.html",
    "text/html",
    '<!doctype html><html><head><meta charset="utf-8"><title>Заява</title></head><body>'
    "<script>document.title = 'SCRIPT RAN'; document.body.dataset.ran = 'yes';</script>"
    "<h1>Заява про реєстрацію</h1><p>Прошу зареєструвати мене за адресою: Київ.</p></body></html>\n".encode(),
)
DOCUMENTS = (PASSPORT, RESIDENCE, APPLICATION)

CITY_NAME = "Київ"
USER_NAME = "Петро Шевченко"
USER_EMAIL = "petro.shevchenko@example.org"
USER_NAME_PREFIX = "Петро"  # what the external system searches with (startsWith)
