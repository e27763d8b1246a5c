"""Logging of the service: JSON lines by default (``log.format=json``, what a log collector reads),
readable text for local runs (``text``, the demo). One configuration for every process: ``serve``
applies :func:`logging_config` itself and hands it to uvicorn, which applies it in each worker.

Our code logs with the standard library. JSON lines come from :class:`JsonLineFormatter`, a few
microseconds a record (the request line is written for every request: docs/benchmarks.md); readable
text from structlog's console renderer (``ExtraAdder`` turns a record's ``extra={...}`` into
fields). Nothing logged carries a token, a request body, a query string or other personal data: the
request line (``registry_api.http.observe``) has the route *template*.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import structlog

from registry_api.settings import LogFormat, LogSettings

REQUEST_LOGGER = "registry_api.requests"
OUR_LOGGERS = ("registry_api", "rbac", "codegen")


def _pre_chain() -> list[Any]:
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]


# What every LogRecord has: anything else on a record came from ``extra={...}`` and becomes a field.
_RECORD_ATTRIBUTES = frozenset(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "color_message",  # uvicorn's coloured duplicate of the message
    "taskName",
}


class JsonLineFormatter(logging.Formatter):
    """One JSON object a line: ``event`` (the message), ``level``, ``logger``, ``timestamp`` (UTC),
    the record's extra fields, and ``exception`` (the traceback's text: code lines, never the values
    of local variables)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "event": record.getMessage(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat().replace("+00:00", "Z"),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def json_formatter() -> logging.Formatter:
    """One JSON object a line (``dictConfig`` factory: importable by name in every worker)."""
    return JsonLineFormatter()


def text_formatter() -> logging.Formatter:
    """Readable lines for a terminal."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_pre_chain(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.dev.ConsoleRenderer(colors=False, sort_keys=False),
        ],
    )


def logging_config(settings: LogSettings) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` configuration (also uvicorn's ``log_config``): our loggers and
    uvicorn's on stderr in ``settings.format``. uvicorn's own access log is off: the service writes
    its own request line, with the route template, the caller and the trace id."""
    formatter = "json" if settings.format is LogFormat.JSON else "text"
    handler = {"class": "logging.StreamHandler", "formatter": formatter, "stream": "ext://sys.stderr"}
    loggers: dict[str, Any] = {
        name: {"handlers": ["default"], "level": settings.level, "propagate": False} for name in OUR_LOGGERS
    }
    loggers[REQUEST_LOGGER] = {
        "handlers": ["default"],
        "level": "INFO" if settings.requests else "WARNING",
        "propagate": False,
    }
    loggers["uvicorn"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    loggers["uvicorn.error"] = {"level": "INFO"}
    loggers["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "registry_api.logs.json_formatter"},
            "text": {"()": "registry_api.logs.text_formatter"},
        },
        "handlers": {"default": handler},
        "loggers": loggers,
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


def configure_logging(settings: LogSettings) -> dict[str, Any]:
    """Apply :func:`logging_config` to this process; returns it (for uvicorn's workers)."""
    import logging.config

    config = logging_config(settings)
    logging.config.dictConfig(config)
    return config
