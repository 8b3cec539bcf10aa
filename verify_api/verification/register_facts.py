"""What the PAI's register holds about a presented credential, for the report an employer acts on: whose credential
it is (the subject's name as the register holds it), the tier and what it means, the dates and the live status with
since when; and, when the presented document is not the one the register holds, exactly which claims differ.

Pure: built from the register row and the one judgement (`domain.verdict.judge_credential`) the service passes in.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.domain.tiers import TIERS
from verify_api.schemas import PublicReason, StateCode, SubjectKindCode, TierCode

if TYPE_CHECKING:
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.verdict import CredentialVerdict

MAX_DIFFERENCES = 20
MAX_VALUE_CHARS = 200
MAX_DEPTH = 12

# JSON paths of the claims a person reads, in their words; any other differing member is named by its path.
CLAIM_LABELS = {
    "credentialSubject.identifier[0].identityHash": "subject name",
    "credentialSubject.name": "subject name",
    "credentialSubject.achievement.id": "achievement",
    "credentialSubject.achievement.name": "tier",
    "credentialSubject.achievement.achievementType": "tier",
    "validFrom": "valid from",
    "validUntil": "valid until",
    "issuer.id": "issuer",
    "issuer.name": "issuer name",
    "id": "credential id",
    "name": "credential name",
}


class RegisterEntry(msgspec.Struct, rename="camel", kw_only=True):
    """The register's own record of the credential the presented document names (JSON: RFC 3339 dates)."""

    credential_id: str
    subject_name: str
    subject_kind: SubjectKindCode
    tier: TierCode
    tier_title: str
    tier_meaning: str
    valid_from: datetime
    valid_until: datetime
    # The one judgement's state now (valid, expired, suspended, revoked, superseded, key_compromised, ...), since
    # when, and the public reason code (for integrators; pages word it per reason, domain.public_wording).
    state: StateCode
    since: datetime | None = None
    reason: PublicReason | None = None
    verification_code: str


class ClaimDifference(msgspec.Struct, rename="camel", kw_only=True):
    """One signed claim whose presented value is not the register's: `path` in the JSON, `claim` in words."""

    claim: str
    path: str
    presented: str | None
    register: str | None


def register_entry(record: CredentialRecord, judgement: CredentialVerdict) -> RegisterEntry:
    info = TIERS[record.tier]
    return RegisterEntry(
        credential_id=record.id,
        subject_name=record.subject_name,
        subject_kind="person" if record.holder_id is not None else "organization",
        tier=record.tier,
        tier_title=info.title,
        tier_meaning=info.description,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        state=judgement.state,
        since=judgement.since,
        reason=judgement.reason,
        verification_code=record.verification_code,
    )


def claim_differences(stored: dict[str, Any], presented: dict[str, Any]) -> list[ClaimDifference]:
    """Every member (proof aside) whose value differs between the two documents, the claims people read first."""
    ours, theirs = _flatten(_unsecured(stored)), _flatten(_unsecured(presented))
    paths = sorted(set(ours) | set(theirs), key=lambda p: (p not in CLAIM_LABELS, p))
    found = [
        ClaimDifference(claim=CLAIM_LABELS.get(p, p), path=p, presented=_shown(theirs, p), register=_shown(ours, p))
        for p in paths
        if ours.get(p, _MISSING) != theirs.get(p, _MISSING)
    ]
    return found[:MAX_DIFFERENCES]


def describe_differences(differences: list[ClaimDifference]) -> str:
    """'subject name: presented "Ada Lovelace", the register says "Grace Hopper"; ...'"""
    parts = []
    for d in differences[:5]:
        presented = f'"{d.presented}"' if d.presented is not None else "absent"
        register = f'"{d.register}"' if d.register is not None else "nothing"
        parts.append(f"{d.claim}: presented {presented}, the register says {register}")
    more = len(differences) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


_MISSING = object()


def _unsecured(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _flatten(value: Any, prefix: str = "", depth: int = 0) -> dict[str, Any]:
    if depth > MAX_DEPTH:  # documents are depth-limited before this; a bound all the same
        return {prefix: value}
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out |= _flatten(item, f"{prefix}.{key}" if prefix else str(key), depth + 1)
        return out
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out |= _flatten(item, f"{prefix}[{index}]", depth + 1)
        return out
    return {prefix: value}


def _shown(values: dict[str, Any], path: str) -> str | None:
    if path not in values:
        return None
    value = values[path]
    text = value if isinstance(value, str) else msgspec.json.encode(value).decode()
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"
