"""The verification report: one entry per check, each passed, failed or "could not check", with a reason."""

from __future__ import annotations

from typing import Literal

import msgspec

from verify_api.schemas import Check

FORMAT = "format"
PROOF = "proof"
ISSUER = "issuer"
VALID_FROM = "valid from"
VALID_UNTIL = "valid until"
STATUS = "status"
REGISTER = "register"
TIER = "tier"

Classification = Literal["pai", "other", "unknown"]


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
    tier: str | None = None
    checks: list[Check] = msgspec.field(default_factory=list)


def passed(name: str, detail: str) -> Check:
    return Check(name=name, result="passed", detail=detail)


def failed(name: str, detail: str) -> Check:
    return Check(name=name, result="failed", detail=detail)


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
