"""What a holder's account messages say (services.holder_mail.build_holder_message): the link's lifetime in the
words a person uses, and what to do when the change of address was not theirs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from verify_api.db.holder_mail import HolderMailWork
from verify_api.services.holder_mail import build_holder_message
from verify_api.settings import load_settings

T0 = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
SETTINGS = load_settings({}, public_base_url="https://verify.test.example")


def plain_text(kind: str, lifetime: timedelta) -> str:
    work = HolderMailWork(
        id=uuid.uuid4(), holder_id=uuid.uuid4(), kind=kind, to_address="ada@example.org",  # type: ignore[arg-type]
        link="https://verify.test.example/me/email/confirm?token=t", created_at=T0, send_before=T0 + lifetime,
        attempts=0,
    )  # fmt: skip
    message = build_holder_message(SETTINGS, work, name="Ada Lovelace", extra={"new_email": "ada@new.example"})
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return " ".join(str(body.get_content()).split())


@pytest.mark.parametrize(
    ("kind", "lifetime", "words"),
    [
        ("sign_in", timedelta(minutes=15), "within 15 minutes"),
        ("sign_in", timedelta(minutes=60), "within 1 hour"),
        ("email_old", timedelta(hours=24), "within 24 hours"),
        ("email_new", timedelta(hours=24), "within 24 hours"),
    ],
)
def test_a_link_s_lifetime_is_said_in_minutes_or_hours(kind: str, lifetime: timedelta, words: str) -> None:
    text = plain_text(kind, lifetime)
    assert words in text
    assert "1440" not in text


def test_the_old_address_is_told_what_to_do_if_the_change_was_not_theirs() -> None:
    text = plain_text("email_old", timedelta(hours=24))
    assert "ada@new.example" in text
    assert "If it was not you, do not follow the link" in text
