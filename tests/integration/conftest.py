"""Fixtures the integration modules share beyond tests/conftest.py: the real receivers of the outbox's e-mail and
webhooks on 127.0.0.1 (tests/notify_receivers.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.notify_receivers import SmtpReceiver, WebhookReceiver

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    with SmtpReceiver() as server:
        yield server


@pytest.fixture
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server
