"""From what was found to the report: one check per question, the issuer's classification and a summary.

Checks, in order: format (VC 2.0 / OB 3.0 shape), proof, issuer (is it the PAI, and was the key valid when the
credential was issued), valid from, valid until, status, then for the PAI's own credentials: register (is it the
credential the PAI's register holds) and tier (what the tier means, and whether its prerequisite was held).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import unquote

from verify_api.domain.verdict import judge_key_window
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

    from verify_api.db.records import SigningKeyRecord
    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.schemas import Check
    from verify_api.verification.document import CredentialShape
    from verify_api.verification.keyring import ResolvedKey
    from verify_api.verification.presented import Presented
    from verify_api.verification.register_facts import ClaimDifference, RegisterEntry
    from verify_api.verification.securing import SecuringOutcome

_UNREAD = "the credential could not be read"
PAI_NAME = "Production AI Institute"


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


def check_issuer(
    shape: CredentialShape,
    securing: SecuringOutcome,
    pai_did: str,
    issued_at: datetime | None,
    *,
    pai_name: str = PAI_NAME,
) -> tuple[Check, Classification]:
    """Who issued it. The PAI is recognised by its key (any form: did:web, did:key, a JWK), never by what the
    document says; an issuer other than the PAI that imitates the PAI's identifier or name fails."""
    key = securing.key
    if key is not None and key.record is not None:
        return check_pai_issuer(shape, key, pai_did, issued_at), "pai"
    claims_pai = shape.issuer_id == pai_did
    if key is None:
        reason = "the signing key was not resolved, so the issuer cannot be confirmed"
        return unchecked(ISSUER, reason), "other"
    if claims_pai:
        return failed(
            ISSUER, f"claims to be the PAI ({pai_did}) but is signed with a key the PAI does not publish"
        ), "other"
    imitation = imitation_of_pai(shape, pai_did, pai_name)
    if imitation is not None:
        return failed(ISSUER, f"not the Production AI Institute: {imitation}"), "other"
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


def check_pai_issuer(shape: CredentialShape, key: ResolvedKey, pai_did: str, issued_at: datetime | None) -> Check:
    """A proof made with a PAI key: the document must name the PAI (its did:web, or the did:key of that very key),
    and the key must have been valid when the register says the credential was issued (never the proof's claim)."""
    record = key.record
    assert record is not None
    names_pai = shape.issuer_id == pai_did or (key.origin == "did:key" and shape.issuer_id == key.controller)
    if not names_pai:
        return failed(ISSUER, f"signed with the PAI's key {record.kid} but names another issuer ({shape.issuer_id})")
    if issued_at is None:
        return failed(
            ISSUER,
            f"signed with the PAI's key {record.kid}, but the PAI's register does not hold this credential, so when "
            "it was issued is unknown (a proof's own creation time is never trusted)",
        )
    problem = key_window_problem(record, issued_at)
    if problem:
        return failed(ISSUER, f"{problem} (issuance time from the PAI's register)")
    return passed(
        ISSUER,
        f"issued by the Production AI Institute ({pai_did}) with key {record.kid}, "
        "which was valid at issuance (the PAI's register)",
    )


def imitation_of_pai(shape: CredentialShape, pai_did: str, pai_name: str) -> str | None:
    """Why an issuer that is not the PAI imitates it, or None. The rule: its identifier contains the PAI's host
    (compared case-insensitively, after percent-decoding: `did:web:verify.example.evil`, `https://verify.example`),
    or its name contains the PAI's name (case- and spacing-insensitive, after Unicode NFKC)."""
    host = unquote(pai_did.removeprefix("did:web:")).split(":", 1)[0].lower()
    if host and host in unquote(shape.issuer_id).lower():
        return f"the issuer {shape.issuer_id} imitates the PAI's identifier {pai_did}"
    if shape.issuer_name and _folded(pai_name) in _folded(shape.issuer_name):
        return f"the issuer {shape.issuer_id} calls itself {shape.issuer_name!r}, a name only the PAI may use"
    return None


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def key_window_problem(record: SigningKeyRecord, at: datetime | None) -> str | None:
    """Why the PAI key was not valid at `at`, in the report's words, or None; the rule is the lookup's
    (`domain.verdict.judge_key_window`): outside [created_at, retired_at), or at or after `compromised_since`."""
    if at is None:
        return "the issuance time is unknown, so the key's validity cannot be confirmed"
    verdict = judge_key_window(
        at, created_at=record.created_at, retired_at=record.retired_at, compromised_since=record.compromised_since
    )
    if verdict is None:
        return None
    if verdict.reason == "key_compromise":
        assert record.compromised_since is not None
        return f"signed with a key declared compromised since {record.compromised_since.isoformat()}"
    if verdict.reason == "signed_before_key_created":
        return f"claims issuance at {at.isoformat()}, before the key existed ({record.created_at.isoformat()})"
    assert record.retired_at is not None
    return f"signed after its key was retired on {record.retired_at.isoformat()}"


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
