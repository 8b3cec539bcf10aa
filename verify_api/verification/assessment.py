"""From what was found to the report: one check per question, the issuer's classification and a summary.

Checks, in order: format (VC 2.0 / OB 3.0 shape), proof, issuer (is it the PAI, and was the key valid when the
credential was issued), valid from, valid until, status, then for the PAI's own credentials: register (is it the
credential the PAI's register holds) and tier (what the tier means, and whether its prerequisite was held).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verify_api.verification.issuer import PAI_NAME, check_issuer
from verify_api.verification.report import (
    FORMAT,
    ISSUER,
    PROOF,
    REGISTER,
    RELATED_RESOURCES,
    STATUS,
    VALID_FROM,
    VALID_UNTIL,
    Classification,
    IssuerSummary,
    Verdict,
    VerificationReport,
    failed,
    passed,
    summarize_verdict,
    unchecked,
)

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.schemas import Check
    from verify_api.verification.document import CredentialShape
    from verify_api.verification.presented import Presented
    from verify_api.verification.register_facts import ClaimDifference, RegisterEntry
    from verify_api.verification.securing import SecuringOutcome

_UNREAD = "the credential could not be read"


@dataclass(frozen=True)
class RegisterFindings:
    """What the PAI's register says about a credential signed with a PAI key or naming the PAI (built by the
    service). For a PAI credential the register is decisive: absent, different or unknown status is a failure."""

    checks: list[Check]  # status, register, tier
    issued_at: datetime | None = None  # trustworthy issuance time, when the presented document is the stored one
    pai_credential_id: str | None = None
    tier: str | None = None
    # The one judgement of the register entry (`domain.verdict.judge_credential`), when the document matched it.
    judgement: CredentialVerdict | None = None
    # What the register holds under the presented id, and the claims that differ from it (register_facts).
    entry: RegisterEntry | None = None
    differences: list[ClaimDifference] = field(default_factory=list)


def unreadable_report(
    presented: Presented, reason: str, securing: SecuringOutcome | None = None, *, problem_type: str | None = None
) -> VerificationReport:
    """The report for input that is not a usable credential; the proof is still reported when it was checked.

    `problem_type` is the W3C problem type the format failure maps to (e.g. PARSING_ERROR), when not the default."""
    proof = securing.check if securing is not None else unchecked(PROOF, _UNREAD)
    rest = [unchecked(n, _UNREAD) for n in (ISSUER, VALID_FROM, VALID_UNTIL, STATUS)]
    checks = [failed(FORMAT, reason, problem_type), proof, *rest]
    mechanism = f", {securing.mechanism}" if securing is not None else ""
    return VerificationReport(
        verified=False,
        verdict="not_verifiable",
        summary=summarize_verdict("not_verifiable", checks, issuer_id=None),
        issuer=IssuerSummary(id=None, name=None, classification="unknown"),
        presented_as=presented.container + mechanism,
        credential_id=None,
        checks=checks,
    )


# PLR0913: each argument is one independent finding the assessment combines
def build_report(  # noqa: PLR0913
    presented: Presented,
    shape: CredentialShape,
    securing: SecuringOutcome,
    *,
    pai_did: str,
    now: datetime,
    register: RegisterFindings | None,
    pai_name: str = PAI_NAME,
) -> VerificationReport:
    """Every check, then the verdict. A credential whose proof key is a PAI key (in any form) is a PAI credential
    whatever its `issuer` says, and without register findings it is judged as absent from the register."""
    is_pai_key = securing.key is not None and securing.key.record is not None
    if is_pai_key and register is None:
        register = RegisterFindings(
            checks=[
                failed(STATUS, "the PAI's register holds no status for it, so it cannot be valid"),
                failed(REGISTER, "signed with a PAI key, but the PAI's register was not consulted"),
            ]
        )
    issued_at = register.issued_at if register is not None else None
    issuer_check, classification = check_issuer(shape, securing, pai_did, issued_at, pai_name=pai_name)
    checks = [
        passed(FORMAT, shape.describe()),
        securing.check,
        issuer_check,
        *check_validity(shape, securing, now),
        *check_related_resources(shape),
    ]
    if register is not None:
        checks.extend(register.checks)
    else:
        checks.append(check_foreign_status(shape))
    checks = not_checked_without_proof(checks)
    verdict = judge_report(checks, classification, register)
    judgement = register.judgement if register is not None and verdict == "not_valid" else None
    state = judgement.state if judgement is not None and not judgement.valid else None
    since = judgement.since if state is not None and judgement is not None else None
    reason = judgement.reason if state is not None and judgement is not None else None
    return VerificationReport(
        verified=verdict == "valid" or (verdict == "not_pai" and all(c.result == "passed" for c in checks)),
        verdict=verdict,
        state=state,
        since=since,
        reason=reason,
        summary=summarize_verdict(verdict, checks, issuer_id=shape.issuer_id, state=state, since=since, reason=reason),
        issuer=IssuerSummary(id=shape.issuer_id, name=shape.issuer_name, classification=classification),
        presented_as=f"{presented.container}, {securing.mechanism}",
        credential_id=shape.credential_id,
        pai_credential_id=register.pai_credential_id if register and register.issued_at else None,
        tier=register.tier if register and register.issued_at else None,
        checks=checks,
        register_entry=register.entry if register is not None else None,
        differences=list(register.differences) if register is not None else [],
    )


NOT_CHECKED = "not checked: the proof does not hold, so nothing the credential says can be relied on"


def not_checked_without_proof(checks: list[Check]) -> list[Check]:
    """A failed (or uncheckable) proof turns every row that depends on it to "could not check", never "passed":
    the issuer, the dates, the status and the tier are claims only the proof vouches for. Failures stay failures."""
    proof = next((c for c in checks if c.name == PROOF), None)
    if proof is None or proof.result == "passed":
        return checks
    return [
        unchecked(c.name, f"{NOT_CHECKED} ({c.detail})")
        if c.name not in (FORMAT, PROOF) and c.result == "passed"
        else c
        for c in checks
    ]


def judge_report(checks: list[Check], classification: Classification, register: RegisterFindings | None) -> Verdict:
    """The verdict of a readable credential, from its checks: only a PAI credential the register holds, exactly as
    presented, can be `valid` or `not_valid`; a PAI-key signature on anything else is `not_verifiable`."""
    result = {c.name: c.result for c in checks}
    if result.get(FORMAT) != "passed" or result.get(PROOF) != "passed":
        return "not_verifiable"
    if classification != "pai":
        return "not_pai"
    if register is None or register.issued_at is None:
        return "not_verifiable"
    return "valid" if all(r == "passed" for r in result.values()) else "not_valid"


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


def check_related_resources(shape: CredentialShape) -> list[Check]:
    """VC Data Model 2.0 §5.3 Integrity of Related Resources. A digest that does not match the bundled copy already
    failed the format check (verification/data_model.py); here, whether every digest could be checked at all."""
    if not shape.related_resources:
        return []
    if shape.unchecked_related_resources:
        names = ", ".join(shape.unchecked_related_resources[:5])
        return [
            unchecked(
                RELATED_RESOURCES,
                f"PAI Verify holds no copy of {names} and never fetches one, so its digest could not be checked",
            )
        ]
    count = len(shape.related_resources)
    return [passed(RELATED_RESOURCES, f"the digests of {count} related resource(s) match the bundled copies")]
