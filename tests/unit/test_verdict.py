"""domain/verdict.judge_credential: the one judgement of a register entry, including the organisation rules'
derived suspensions (a CAI past its staff grace is suspended whether or not a rule run stored it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from verify_api.db.records import CredentialRecord
from verify_api.domain.organization_rules import Standing
from verify_api.domain.verdict import judge_credential

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def make_record(**overrides: Any) -> CredentialRecord:
    values: dict[str, Any] = {
        "id": "a" * 26,
        "tier": "CAI",
        "holder_id": None,
        "organization_id": uuid4(),
        "subject_name": "Fabrikam",
        "verification_code": "PAI-AAAA-BBBB-C",
        "valid_from": NOW - timedelta(days=60),
        "valid_until": NOW + timedelta(days=300),
        "status": "active",
        "status_reason": None,
        "status_changed_at": None,
        "document": b"{}",
        "cryptosuite": "eddsa-rdfc-2022",
        "signing_key_id": "did:web:x#k",
        "predecessor_id": None,
        "issued_at": NOW - timedelta(days=60),
        "key_multibase": "z6Mk",
        "key_compromised_since": None,
        "key_created_at": NOW - timedelta(days=400),
        "key_retired_at": None,
    }
    values.update(overrides)
    return CredentialRecord(**values)


def shortfall(since: datetime) -> Standing:
    return Standing(at_risk=True, reason="staff_below_minimum", since=since, suspends_at=since + timedelta(days=30))


def test_verdict_cai_past_staff_grace_is_suspended_before_any_rule_run() -> None:
    verdict = judge_credential(make_record(), now=NOW, standing=shortfall(NOW - timedelta(days=31)))
    assert (verdict.state, verdict.reason, verdict.since) == (
        "suspended",
        "staff_below_minimum",
        NOW - timedelta(days=1),
    )


def test_verdict_cai_inside_grace_is_valid() -> None:
    assert judge_credential(make_record(), now=NOW, standing=shortfall(NOW - timedelta(days=29))).valid


def test_verdict_rule_suspension_is_lifted_once_the_shortfall_is_made_good() -> None:
    record = make_record(status="suspended", status_reason="staff_below_minimum", status_changed_at=NOW)
    assert judge_credential(record, now=NOW, standing=Standing(at_risk=False)).valid
    # An operator's suspension is never lifted by the rules.
    operator = make_record(status="suspended", status_reason="under_investigation", status_changed_at=NOW)
    assert judge_credential(operator, now=NOW, standing=Standing(at_risk=False)).state == "suspended"


def test_verdict_a_shortfall_does_not_suspend_another_tier() -> None:
    assert judge_credential(make_record(tier="CAE"), now=NOW, standing=shortfall(NOW - timedelta(days=90))).valid


def test_verdict_key_compromise_wins_over_every_stored_status() -> None:
    for status in ("active", "suspended", "superseded", "revoked"):
        record = make_record(status=status, key_compromised_since=NOW - timedelta(days=61))
        verdict = judge_credential(record, now=NOW)
        assert (verdict.state, verdict.reason, verdict.public_status) == (
            "key_compromised",
            "key_compromise",
            "revoked",
        )
    signed_before = make_record(key_compromised_since=NOW - timedelta(days=59))
    assert judge_credential(signed_before, now=NOW).valid
