"""Real receivers on 127.0.0.1 for the notification tests: an SMTP server (aiosmtpd) and a webhook receiver
(http.server), each in its own thread, recording what they were sent."""

from __future__ import annotations

import email
import email.policy
import json
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from aiosmtpd.controller import Controller

from tests.served_app import free_port

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from verify_api.settings import Settings


def receiver_settings(database_url: str, smtp: SmtpReceiver, base_url: str, **overrides: Any) -> Settings:
    """Settings whose outbox reaches the receivers here: SMTP on `smtp`, loopback webhook targets allowed, a fast
    dispatcher poll."""
    from verify_api.settings import load_settings

    values: dict[str, Any] = {
        "database_url": database_url,
        "public_base_url": base_url,
        "pool_min": 1,
        "pool_max": 4,
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_security": "none",
        "webhook_allow_private_targets": True,
        "notify_poll_seconds": 0.05,
    }
    return load_settings({}, **(values | overrides))


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 Message accepted for delivery"


class SmtpReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self._recorder = _Recorder()
        self._controller = Controller(self._recorder, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        return self._recorder.messages

    def __enter__(self) -> SmtpReceiver:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    """Answers each POST with `status` (200 by default) and records it."""

    status: int = 200
    received: list[Received] = field(default_factory=list)
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(receiver.status)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)

    def __enter__(self) -> WebhookReceiver:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass
class Receivers:
    smtp: SmtpReceiver
    webhooks: WebhookReceiver


def receivers() -> Iterator[Receivers]:
    with SmtpReceiver() as smtp, WebhookReceiver() as hooks:
        yield Receivers(smtp, hooks)


async def eventually(condition: Callable[[], bool], within: float = 10.0) -> None:
    import asyncio

    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the condition did not hold in time")
        await asyncio.sleep(0.02)
