"""Log formats, request-id acceptance, the outage tracker and what counts as the database being unavailable."""

from __future__ import annotations

import io
import json
import logging

import asyncpg
import pytest

from verify_api.db.pool import database_unavailable_cause, describe_unavailability
from verify_api.errors import DatabaseUnavailableError, InvalidInputError
from verify_api.observability.logs import REQUEST_ID, JsonFormatter, RequestIdFilter, TextFormatter, use_json
from verify_api.observability.middleware import accepted_request_id
from verify_api.observability.outage import OutageTracker
from verify_api.settings import SettingsError, load_settings


def _record(message: str, **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "verify_api.test", "levelname": "INFO", "msg": message, **extra})
    RequestIdFilter().filter(record)
    return record


def test_json_lines_carry_the_request_id_and_extra_fields() -> None:
    token = REQUEST_ID.set("req-7")
    try:
        line = JsonFormatter().format(_record("hello %s", args=("world",), route="/health", status=200))
    finally:
        REQUEST_ID.reset(token)
    entry = json.loads(line)
    assert entry["message"] == "hello world"
    assert (entry["request_id"], entry["route"], entry["status"], entry["level"]) == ("req-7", "/health", 200, "INFO")
    assert entry["time"].endswith("Z")
    assert "request_id" not in json.loads(JsonFormatter().format(_record("outside a request")))


def test_json_lines_keep_a_traceback_on_one_line() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert "\n" not in line
    assert "ValueError: boom" in json.loads(line)["exception"]


def test_text_lines_show_the_request_id() -> None:
    token = REQUEST_ID.set("abc")
    try:
        line = TextFormatter().format(_record("GET /health", status=200))
    finally:
        REQUEST_ID.reset(token)
    assert "verify_api.test [abc]: GET /health status=200" in line


def test_log_format_auto_is_text_on_a_terminal_only() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_json("auto", io.StringIO()) is True
    assert use_json("auto", Terminal()) is False
    assert use_json("text", io.StringIO()) is False
    assert use_json("json", Terminal()) is True
    with pytest.raises(SettingsError, match="LOG_FORMAT"):
        load_settings({"LOG_FORMAT": "xml"})


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        (b"abc-123", "abc-123"),
        (b"A.b_c:d-e", "A.b_c:d-e"),
        (b"x" * 128, "x" * 128),
        (b"x" * 129, None),
        (b"", None),
        (b"has space", None),
        (b"new\r\nline", None),
        (b"\xc3\xa9", None),
        (b"<script>", None),
    ],
)
def test_only_a_bounded_plain_request_id_is_accepted(header: bytes, accepted: str | None) -> None:
    assert accepted_request_id([(b"host", b"x"), (b"x-request-id", header)]) == accepted


def test_an_outage_is_logged_once_when_it_starts_and_once_when_it_ends(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    tracker = OutageTracker(clock=lambda: now[0])
    with caplog.at_level(logging.INFO, logger="verify_api.database"):
        tracker.connected()  # no outage: nothing to say
        for _ in range(250):
            tracker.refused_request("ConnectionRefusedError: [Errno 111]")
        now[0] = 112.5
        tracker.connected()
        tracker.connected()
        tracker.refused_request("AdminShutdownError")
        tracker.connected()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        "database unavailable (ConnectionRefusedError: [Errno 111]): answering 503 with Retry-After until it is back",
        "database back after 12.5 s, 250 requests refused",
        "database unavailable (AdminShutdownError): answering 503 with Retry-After until it is back",
        "database back after 0.0 s, 1 requests refused",
    ]
    assert all(r.exc_info is None for r in caplog.records)


def test_what_counts_as_the_database_being_unavailable() -> None:
    lost = asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation")
    assert database_unavailable_cause(lost) is lost
    shutdown = asyncpg.AdminShutdownError("terminating connection due to administrator command")
    assert database_unavailable_cause(shutdown) is shutdown
    closed = asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed")
    assert database_unavailable_cause(closed) is closed
    released = asyncpg.InterfaceError("cannot call Connection.fetch(): connection has been released back to the pool")
    assert database_unavailable_cause(released) is released
    double = asyncpg.exceptions.InternalClientError("PoolConnectionHolder.release() called on a free connection holder")
    assert database_unavailable_cause(double) is double
    wrapped = DatabaseUnavailableError("cannot connect")
    wrapped.__cause__ = ConnectionRefusedError(111, "Connect call failed")
    group = ExceptionGroup("teardown", [InvalidInputError("x"), wrapped])
    assert database_unavailable_cause(group) is wrapped
    assert (
        describe_unavailability(ExceptionGroup("g", [wrapped]))
        == "ConnectionRefusedError: [Errno 111] Connect call failed"
    )
    # Not outages: a cancelled statement, a constraint, misuse of a connection, an OSError outside connecting.
    assert database_unavailable_cause(asyncpg.QueryCanceledError("canceling statement")) is None
    assert database_unavailable_cause(asyncpg.UniqueViolationError("duplicate")) is None
    assert database_unavailable_cause(asyncpg.InterfaceError("another operation is in progress")) is None
    assert database_unavailable_cause(FileNotFoundError("key.pem")) is None
    assert database_unavailable_cause(ConnectionRefusedError(111, "refused"), connecting=True) is not None


def test_the_logging_config_follows_the_settings() -> None:
    from verify_api.observability.logs import logging_config

    config = logging_config(load_settings({}, log_format="json", access_log="false"))
    assert config["loggers"]["verify_api.access"]["level"] == "WARNING"
    assert config["formatters"]["verify_api"]["()"].endswith("JsonFormatter")
    assert "granian.access" in config["loggers"]
