"""Public wording of statuses and reasons: per reason, human dates, never a raw code."""

from __future__ import annotations

from datetime import UTC, datetime

from verify_api.domain.lifecycle import REVOCATION_REASONS, SUSPENSION_REASONS
from verify_api.domain.public_wording import REASON_WORDS, humane_text, public_status_phrase

MARCH = datetime(2027, 3, 3, 10, 30, tzinfo=UTC)


def test_public_wording_decides_every_published_reason() -> None:
    assert set(SUSPENSION_REASONS + REVOCATION_REASONS) <= set(REASON_WORDS)


def test_public_wording_status_with_its_date() -> None:
    assert public_status_phrase("revoked", MARCH, "misconduct") == "revoked by the PAI on 3 March 2027"
    assert public_status_phrase("suspended", MARCH, "under_investigation") == "suspended by the PAI on 3 March 2027"
    assert public_status_phrase("revoked", MARCH, "issued_in_error") == (
        "revoked by the PAI on 3 March 2027: it was issued in error"
    )
    assert public_status_phrase("expired", None, None) == "expired"


def test_public_wording_humanises_check_details() -> None:
    detail = "revoked since 2027-03-03T10:30:00+00:00 (misconduct) (from the PAI's register)"
    assert humane_text(detail) == "revoked since 3 March 2027 (from the PAI's register)"
    assert humane_text("valid until 2028-11-26T09:00:00Z") == "valid until 26 November 2028"
    assert humane_text("suspended (holder_request)") == "suspended (at the holder's request)"
