"""The reference documentation lists every diagnostic code with its severity."""

from __future__ import annotations

import re
from pathlib import Path

from codegen.reader import CODES

DOC = Path(__file__).resolve().parents[2] / "docs" / "regulation-reference.md"


def test_every_code_is_documented_with_its_severity() -> None:
    text = DOC.read_text(encoding="utf-8")
    for code, info in CODES.items():
        assert f"| `{code}` | {info.severity.value} |" in text, code


def test_every_emitted_code_is_registered() -> None:
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (DOC.parents[1] / "codegen" / "reader").glob("*.py")
    )
    emitted = set(re.findall(r'(?:report|XmlReadError)\(\s*"([A-Z_]+)"', source))
    assert len(emitted) > 30
    assert emitted <= set(CODES), emitted - set(CODES)
