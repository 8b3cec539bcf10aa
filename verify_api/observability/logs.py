"""Structured logs: one JSON object per line (or plain text for a person at a terminal), each carrying the id of
the request it was written for.

LOG_FORMAT=auto (the default) writes text when stderr is a terminal and JSON otherwise (containers, systemd, files);
`json` and `text` force one. The request id lives in a context variable set by the middleware, so every line a
request's task writes carries it without being handed it.
"""

from __future__ import annotations

import logging
import sys
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import msgspec

if TYPE_CHECKING:
    from verify_api.settings import Settings

REQUEST_ID: ContextVar[str | None] = ContextVar("verify_api_request_id", default=None)
ACCESS_LOGGER = "verify_api.access"

# LogRecord's own attributes: anything else on a record came from `extra=` and is written as a field.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}
_encode = msgspec.json.Encoder().encode


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _RECORD_FIELDS and not k.startswith("_")}


class RequestIdFilter(logging.Filter):
    """Stamps each record with the current request's id (None outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = REQUEST_ID.get()
        return True


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", "request_id", ...extra, "exception"}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id is not None:
            entry["request_id"] = request_id
        entry.update(_extra_fields(record))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry).decode()


class TextFormatter(logging.Formatter):
    """`time LEVEL logger [request id]: message key=value ...` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s%(fields)s")

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.rid = f" [{request_id}]" if request_id else ""
        fields = _extra_fields(record)
        fields.pop("rid", None)
        fields.pop("fields", None)
        record.fields = "".join(f" {k}={v}" for k, v in fields.items())
        return super().format(record)


def use_json(log_format: str, stream: Any = None) -> bool:
    if log_format == "auto":
        target = stream if stream is not None else sys.stderr
        return not (hasattr(target, "isatty") and target.isatty())
    return log_format == "json"


def formatter_path(settings: Settings) -> str:
    """The dotted name of the formatter class LOG_FORMAT chooses (for dictConfig, e.g. granian's)."""
    name = "JsonFormatter" if use_json(settings.log_format) else "TextFormatter"
    return f"{__name__}.{name}"


def logging_config(settings: Settings) -> dict[str, Any]:
    """A dictConfig for the whole process, granian's own loggers included, so every line has one shape."""
    handler = {
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
        "formatter": "verify_api",
        "filters": ["request_id"],
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": f"{__name__}.RequestIdFilter"}},
        "formatters": {"verify_api": {"()": formatter_path(settings)}},
        "handlers": {"console": handler, "access": handler},
        "root": {"handlers": ["console"], "level": settings.log_level.upper()},
        "loggers": {
            "_granian": {"handlers": ["console"], "level": settings.log_level.upper(), "propagate": False},
            # Granian's access log stays off (log_access=False): the middleware writes one line per request.
            "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            # One INFO line per request: on unless ACCESS_LOG=false (or LOG_LEVEL above INFO).
            ACCESS_LOGGER: {"level": "NOTSET" if settings.access_log else "WARNING"},
        },
    }


def configure_logging(settings: Settings) -> None:
    """Apply `logging_config(settings)` to this process (idempotent: dictConfig replaces the root's handlers)."""
    import logging.config

    logging.config.dictConfig(logging_config(settings))
