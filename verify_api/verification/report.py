"""The verification report: one entry per check, each passed, failed or "could not check", with a reason.

Besides the checks, a report carries one machine-readable `verdict`, worded distinctly everywhere it is shown:

- `valid`: a genuine PAI credential, valid now (its proof key is a PAI key and the register holds it, valid);
- `not_valid`: a genuine PAI credential that is not valid now; `state`, `since` and `reason` say why (the one
  judgement of the register entry, `domain.verdict.judge_credential`);
- `not_pai`: the signature holds, but the credential was not issued by the PAI (whatever its `issuer` says);
- `not_verifiable`: tampered, malformed, an unknown key, or signed with a PAI key but not what the register holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from verify_api.schemas import Check, PublicReason, StateCode, TierCode
from verify_api.verification.register_facts import ClaimDifference, RegisterEntry

FORMAT = "format"
PROOF = "proof"
ISSUER = "issuer"
VALID_FROM = "valid from"
VALID_UNTIL = "valid until"
STATUS = "status"
REGISTER = "register"
TIER = "tier"
RELATED_RESOURCES = "related resources"  # VC Data Model 2.0 §5.3, only when the credential lists any
PRESENTATION = "presentation"  # VC Data Model 2.0 §4.13, only for a presentation sent to POST /v1/verify

Classification = Literal["pai", "other", "unknown"]
Verdict = Literal["valid", "not_valid", "not_pai", "not_verifiable"]


class IssuerSummary(msgspec.Struct, rename="camel", kw_only=True):
    id: str | None
    name: str | None
    # "pai": issued under the PAI's did:web with a key the PAI publishes; "other": anyone else (including a false
    # claim to be the PAI); "unknown": the document could not be read.
    classification: Classification


class VerificationReport(msgspec.Struct, rename="camel", kw_only=True):
    verified: bool
    summary: str
    issuer: IssuerSummary
    # How the credential came and how it is secured, e.g. "PNG badge, Data Integrity eddsa-rdfc-2022".
    presented_as: str
    credential_id: str | None
    # The PAI register id, when the credential is one of the PAI's: GET /v1/credentials/{paiCredentialId}.
    pai_credential_id: str | None = None
    tier: TierCode | None = None
    checks: list[Check] = msgspec.field(default_factory=list)
    # One of `Verdict`; None only from a caller that does not say, and then derived in __post_init__.
    verdict: Verdict | None = None
    # For `not_valid`: the register's state (expired, suspended, revoked, superseded, key_compromised, ...), since
    # when, and the public reason code.
    state: StateCode | None = None
    since: datetime | None = None
    reason: PublicReason | None = None
    # What the PAI's register holds under the credential's id (whose it is, tier, dates, live status), whenever the
    # register was consulted and holds that id, even when the presented document differs from it.
    register_entry: RegisterEntry | None = None
    # When it differs: exactly which signed claims, presented against the register's values.
    differences: list[ClaimDifference] = msgspec.field(default_factory=list)
    # How the credential was found: None when presented itself; "qr-code" when read from the QR code of an image
    # that carried no credential (the register entry the code points to is what was checked).
    read_from: str | None = None
    # An SD-JWT (VC-JOSE-COSE §3.2.1): the claims the holder disclosed, as JSON Pointers (RFC 6901) into the credential,
    # once its Issuer signature and Disclosures verified; empty when none were. None for every other kind.
    disclosed_claims: list[str] | None = None

    def __post_init__(self) -> None:
        if self.verdict is None:
            self.verdict = fallback_verdict(self.verified, self.issuer.classification, self.checks)


def passed(name: str, detail: str) -> Check:
    return Check(name=name, result="passed", detail=detail)


def failed(name: str, detail: str, problem_type: str | None = None) -> Check:
    return Check(name=name, result="failed", detail=detail, problem_type=problem_type)


def unchecked(name: str, detail: str) -> Check:
    return Check(name=name, result="could not check", detail=detail)


def summarize(checks: list[Check], classification: Classification, issuer_id: str | None) -> tuple[bool, str]:
    """`verified` (every check passed) and one sentence a person can read."""
    failures = [c for c in checks if c.result == "failed"]
    unknown = [c for c in checks if c.result == "could not check"]
    if failures:
        return False, f"Not valid: {failures[0].detail}."
    if unknown:
        return False, f"Could not be fully verified: {unknown[0].detail}."
    if classification == "pai":
        return True, "A valid credential issued by the Production AI Institute."
    return True, f"Valid, but not issued by the Production AI Institute (issuer {issuer_id})."


def fallback_verdict(verified: bool, classification: Classification, checks: list[Check]) -> Verdict:
    """The verdict of a report whose producer did not state one (e.g. the offline QR path)."""
    proof_held = any(c.name == PROOF and c.result == "passed" for c in checks)
    if classification == "pai":
        return "valid" if verified else "not_valid" if proof_held else "not_verifiable"
    if proof_held and all(c.result == "passed" for c in checks if c.name == FORMAT):
        return "not_pai"
    return "not_verifiable"


# PLR0913: the verdict and the register facts its sentence names, keyword-only
def summarize_verdict(  # noqa: PLR0913
    verdict: Verdict,
    checks: list[Check],
    *,
    issuer_id: str | None,
    state: str | None = None,
    since: datetime | None = None,
    reason: str | None = None,
) -> str:
    """One sentence a person can read; each verdict has its own wording, and only `valid` sounds like yes."""
    first = next((c for c in checks if c.result == "failed"), None) or next(
        (c for c in checks if c.result != "passed"), None
    )
    why = f"{first.name}: {first.detail}" if first else "a check did not pass"
    if verdict == "valid":
        return "A genuine credential of the Production AI Institute, valid now."
    if verdict == "not_valid":
        if state is not None and state != "valid":
            phrase = state_phrase(state, since, reason)
            return f"A genuine credential of the Production AI Institute, but not valid now: {phrase}."
        return f"A genuine credential of the Production AI Institute, but not valid now ({why})."
    if verdict == "not_pai":
        if all(c.result == "passed" for c in checks):
            return f"Valid signature, but not issued by the Production AI Institute (issuer {issuer_id})."
        return f"Not issued by the Production AI Institute (issuer {issuer_id}), and not valid: {why}."
    return f"Cannot be verified: {why}."


def state_phrase(state: str, since: datetime | None, reason: str | None) -> str:
    """'revoked since 2026-11-27T09:00:00+00:00 (misconduct)': a register state, when it began, and why."""
    words = {
        "not_yet_valid": "not valid before",
        "expired": "expired on",
        "key_compromised": "signed with a key declared compromised since",
        "untrusted_key": "signed outside its key's validity window, noted",
    }
    if since is None:
        phrase = state.replace("_", " ")
    elif state in words:
        phrase = f"{words[state]} {since.isoformat()}"
    else:
        phrase = f"{state.replace('_', ' ')} since {since.isoformat()}"
    return f"{phrase} ({reason})" if reason else phrase
