"""From what was found to the report: one check per question, the issuer's classification and a summary.

Checks, in order: format (VC 2.0 / OB 3.0 shape), proof, issuer (is it the PAI, and was the key valid when the
credential was issued), valid from, valid until, status, then for the PAI's own credentials: register (is it the
credential the PAI's register holds) and tier (what the tier means, and whether its prerequisite was held).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verify_api.verification.report import (
    FORMAT,
    ISSUER,
    PROOF,
    STATUS,
    VALID_FROM,
    VALID_UNTIL,
    Classification,
    IssuerSummary,
    VerificationReport,
    failed,
    passed,
    summarize,
    unchecked,
)

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.records import SigningKeyRecord
    from verify_api.schemas import Check
    from verify_api.verification.document import CredentialShape
    from verify_api.verification.presented import Presented
    from verify_api.verification.securing import SecuringOutcome

_UNREAD = "the credential could not be read"


@dataclass(frozen=True)
class RegisterFindings:
    """What the PAI's register says about a credential that names the PAI as issuer (built by the service)."""

    checks: list[Check]  # status, register, tier
    issued_at: datetime | None = None  # trustworthy issuance time, when the presented document is the stored one
    pai_credential_id: str | None = None
    tier: str | None = None


def unreadable_report(presented: Presented, reason: str, securing: SecuringOutcome | None = None) -> VerificationReport:
    """The report for input that is not a usable credential; the proof is still reported when it was checked."""
    proof = securing.check if securing is not None else unchecked(PROOF, _UNREAD)
    rest = [unchecked(n, _UNREAD) for n in (ISSUER, VALID_FROM, VALID_UNTIL, STATUS)]
    checks = [failed(FORMAT, reason), proof, *rest]
    verified, summary = summarize(checks, "unknown", None)
    mechanism = f", {securing.mechanism}" if securing is not None else ""
    return VerificationReport(
        verified=verified,
        summary=summary,
        issuer=IssuerSummary(id=None, name=None, classification="unknown"),
        presented_as=presented.container + mechanism,
        credential_id=None,
        checks=checks,
    )


def build_report(
    presented: Presented,
    shape: CredentialShape,
    securing: SecuringOutcome,
    *,
    pai_did: str,
    now: datetime,
    register: RegisterFindings | None,
) -> VerificationReport:
    issued_at, source = _issuance_time(shape, securing, register)
    issuer_check, classification = check_issuer(shape, securing, pai_did, issued_at, source)
    checks = [
        passed(FORMAT, shape.describe()),
        securing.check,
        issuer_check,
        *check_validity(shape, securing, now),
    ]
    if register is not None:
        checks.extend(register.checks)
    else:
        checks.append(check_foreign_status(shape))
    verified, summary = summarize(checks, classification, shape.issuer_id)
    return VerificationReport(
        verified=verified,
        summary=summary,
        issuer=IssuerSummary(id=shape.issuer_id, name=shape.issuer_name, classification=classification),
        presented_as=f"{presented.container}, {securing.mechanism}",
        credential_id=shape.credential_id,
        pai_credential_id=register.pai_credential_id if register else None,
        tier=register.tier if register else None,
        checks=checks,
    )


def check_issuer(
    shape: CredentialShape, securing: SecuringOutcome, pai_did: str, issued_at: datetime | None, source: str
) -> tuple[Check, Classification]:
    key = securing.key
    claims_pai = shape.issuer_id == pai_did
    if key is None:
        reason = "the signing key was not resolved, so the issuer cannot be confirmed"
        return unchecked(ISSUER, reason), "other"
    if claims_pai:
        if key.origin != "pai" or key.record is None:
            return failed(
                ISSUER, f"claims to be the PAI ({pai_did}) but is signed with a key the PAI does not publish"
            ), "other"
        problem = key_window_problem(key.record, issued_at)
        if problem:
            return failed(ISSUER, f"{problem} (issuance time from {source})"), "pai"
        return passed(
            ISSUER,
            f"issued by the Production AI Institute ({pai_did}) with key {key.record.kid}, "
            f"which was valid at issuance ({source})",
        ), "pai"
    if key.origin == "pai":
        return failed(ISSUER, f"signed with the PAI's key but names another issuer ({shape.issuer_id})"), "other"
    if key.origin == "embedded-jwk":
        return unchecked(
            ISSUER,
            f"not the PAI; the key is embedded in the JWT itself, so it shows the document is "
            f"unchanged but not that {shape.issuer_id} issued it",
        ), "other"
    if key.controller != shape.issuer_id:
        belongs = f"the signing key belongs to {key.controller}, not to the issuer {shape.issuer_id}"
        if shape.issuer_id.startswith("did:key:"):
            return failed(ISSUER, belongs), "other"
        return unchecked(
            ISSUER, f"not the PAI; {belongs}, and whether the issuer controls it cannot be checked offline"
        ), "other"
    if key.origin == "url-fragment":
        return unchecked(
            ISSUER,
            f"not the PAI; the key is named under {shape.issuer_id}, which PAI Verify does not "
            "fetch, so the issuer's control of the key is unproven",
        ), "other"
    return passed(ISSUER, f"issued by {shape.issuer_id}, not by the PAI; the key is the issuer's own did:key"), "other"


def key_window_problem(record: SigningKeyRecord, at: datetime | None) -> str | None:
    """Why the PAI key was not valid at `at`: outside [created_at, retired_at), or compromised at or before it.

    Compromise uses the same rule as the lookup (`services.lookup`): issued at or after `compromised_since` fails.
    """
    if at is None:
        return "the issuance time is unknown, so the key's validity cannot be confirmed"
    if record.compromised_since is not None and at >= record.compromised_since:
        return f"signed with a key declared compromised since {record.compromised_since.isoformat()}"
    if at < record.created_at:
        return f"claims issuance at {at.isoformat()}, before the key existed ({record.created_at.isoformat()})"
    if record.retired_at is not None and at >= record.retired_at:
        return f"signed after its key was retired on {record.retired_at.isoformat()}"
    return None


def check_validity(shape: CredentialShape, securing: SecuringOutcome, now: datetime) -> list[Check]:
    """VC 2.0 §4.9 validity period, narrowed by the JWT's nbf/exp when it came as a JWT."""
    starts = [t for t in (shape.valid_from, securing.not_before) if t is not None]
    ends = [t for t in (shape.valid_until, securing.expires) if t is not None]
    start, end = (max(starts) if starts else None), (min(ends) if ends else None)
    if start is None:
        begin = passed(VALID_FROM, "no start date: valid from issuance")
    elif now < start:
        begin = failed(VALID_FROM, f"not valid before {start.isoformat()}")
    else:
        begin = passed(VALID_FROM, f"valid since {start.isoformat()}")
    if end is None:
        finish = passed(VALID_UNTIL, "no expiry date")
    elif now >= end:
        finish = failed(VALID_UNTIL, f"expired on {end.isoformat()}")
    else:
        finish = passed(VALID_UNTIL, f"valid until {end.isoformat()}")
    return [begin, finish]


def check_foreign_status(shape: CredentialShape) -> Check:
    if not shape.status_entries:
        return passed(STATUS, "the credential carries no status entry, so its issuer cannot revoke it")
    lists = sorted({str(e.get("statusListCredential") or e.get("id") or e.get("type")) for e in shape.status_entries})
    return unchecked(
        STATUS,
        f"its status is published by the issuer at {', '.join(lists)}; PAI Verify never fetches "
        "other issuers' status lists",
    )


def _issuance_time(
    shape: CredentialShape, securing: SecuringOutcome, register: RegisterFindings | None
) -> tuple[datetime | None, str]:
    """For our credentials the register's issued_at (trustworthy); otherwise the signer's claim."""
    if register is not None and register.issued_at is not None:
        return register.issued_at, "the PAI's register"
    if securing.created is not None:
        return securing.created, "the proof's creation time, as claimed by the signer"
    return shape.valid_from, "the credential's start date, as claimed by the signer"
