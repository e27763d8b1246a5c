"""The log formats as a log collector and a developer read them: one JSON object a line with the
record's fields, an error's traceback without the values it was working on; readable text for the demo."""

from __future__ import annotations

import json
import logging
import sys

from registry_api.logs import json_formatter, text_formatter


def _record(message: str, *, exc_info: object = None, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("registry_api.test", logging.ERROR, __file__, 1, message, (), exc_info)  # type: ignore[arg-type]
    record.__dict__.update(extra)
    return record


def test_a_json_line_carries_the_fields_and_no_local_values() -> None:
    try:
        passport_number = "KC123456"  # personal data a frame holds
        raise ValueError(f"cannot parse a value of length {len(passport_number)}")
    except ValueError:
        line = json_formatter().format(
            _record("request failed", exc_info=sys.exc_info(), traceId="abc", status=500)
        )
    parsed = json.loads(line)
    assert parsed["event"] == "request failed" and parsed["level"] == "error"
    assert parsed["logger"] == "registry_api.test" and parsed["timestamp"].endswith("Z")
    assert parsed["traceId"] == "abc" and parsed["status"] == 500
    assert "ValueError: cannot parse a value of length 8" in parsed["exception"]
    assert "KC123456" not in line  # the frames, not their variables
    assert "\n" not in line


def test_text_lines_are_readable() -> None:
    line = text_formatter().format(_record("request", method="GET", route="/api/x/{id}", status=200))
    assert "request" in line and "method=GET" in line and "route=/api/x/{id}" in line and "{" not in line[:30]
