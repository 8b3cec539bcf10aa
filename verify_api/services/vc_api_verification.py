"""W3C VC API (VCALM) verification: verify a credential, verify a presentation, and the VC API view of a report.

Spec: https://w3c-ccg.github.io/vc-api/ §3.3.1/§3.3.2 Verify Credential/Presentation, with problem types from VC
Data Model 2.0 §7.1 (https://www.w3.org/TR/vc-data-model-2.0/#problem-details) and VC Data Integrity §2.3
(https://www.w3.org/TR/vc-data-integrity/#processing-errors). Verification reuses the checks of POST /v1/verify.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from verify_api import problem_types
from verify_api.proofs.sd_jwt import KeyBindingAsk
from verify_api.schemas import VerificationProblemType
from verify_api.services.holder_keys import retired_holder_key_refusal
from verify_api.services.verification import load_keyring, verify_credential_value
from verify_api.verification.presentation import check_presentation_sync
from verify_api.verification.report import (
    FORMAT,
    ISSUER,
    PRESENTATION,
    PROOF,
    REGISTER,
    RELATED_RESOURCES,
    STATUS,
    TIER,
    VALID_FROM,
    VALID_UNTIL,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.schemas import Check
    from verify_api.services.context import ServiceContext
    from verify_api.verification.report import VerificationReport

# check name -> (problem type, title) when the check failed and carries no `problem_type` of its own.
PROBLEM_TYPES = {
    FORMAT: (problem_types.MALFORMED_VALUE_ERROR, "MALFORMED_VALUE_ERROR"),
    PROOF: (problem_types.PROOF_VERIFICATION_ERROR, "PROOF_VERIFICATION_ERROR"),
    ISSUER: (problem_types.CRYPTOGRAPHIC_SECURITY_ERROR, "CRYPTOGRAPHIC_SECURITY_ERROR"),
    VALID_FROM: (problem_types.CREDENTIAL_NOT_YET_VALID, "Credential not yet valid"),
    VALID_UNTIL: (problem_types.CREDENTIAL_EXPIRED, "Credential expired"),
    STATUS: (problem_types.CREDENTIAL_STATUS, "Credential status"),
    REGISTER: (problem_types.NOT_IN_PAI_REGISTER, "Not in the PAI register"),
    TIER: (problem_types.TIER_PREREQUISITE, "Tier prerequisite"),
    RELATED_RESOURCES: (problem_types.MALFORMED_VALUE_ERROR, "MALFORMED_VALUE_ERROR"),
    PRESENTATION: (problem_types.PROOF_VERIFICATION_ERROR, "PROOF_VERIFICATION_ERROR"),
}
# Every failed check makes `verified` false, and so does a proof that could not be checked. Two things PAI Verify
# cannot check offline are warnings, as the VC API verifier suites expect ("MUST verify a valid VC" signs with a
# did:key under an https issuer): a foreign status list (never fetched) and the issuer's control of a key named
# outside its own DID (never fetched). An issuer that imitates the PAI, or a PAI credential the register does not
# hold exactly, is a failed check, never a warning.
# A related resource PAI Verify holds no copy of (VC 2.0 §5.3; never fetched) is a warning too.
_WARNING_WHEN_UNCHECKED = (STATUS, ISSUER, RELATED_RESOURCES)


class ProblemDetail(msgspec.Struct, omit_defaults=True):
    type: VerificationProblemType
    title: str
    detail: str


class CredentialVerification(msgspec.Struct, rename="camel", omit_defaults=True):
    verified: bool
    problem_details: list[ProblemDetail]
    warnings: list[ProblemDetail]
    # An SD-JWT whose signature and Disclosures verified: the claims the holder disclosed (RFC 6901 JSON Pointers).
    disclosed_claims: list[str] | None = None


class PresentationVerification(msgspec.Struct, rename="camel", omit_defaults=True):
    verified: bool
    problem_details: list[ProblemDetail]
    results: dict[str, Any] = msgspec.field(default_factory=dict)
    verifiable_presentation: dict[str, Any] | None = None


T = TypeVar("T", "CredentialVerification", "PresentationVerification")


@dataclass(frozen=True)
class Verification(Generic[T]):
    """A VC API verification answer, and whether what failed was the input's form (`malformed`: 400) rather than
    its verification (422): decided from the failed checks' kind, never from problem titles."""

    body: T
    malformed: bool = False


@dataclass(frozen=True)
class PresentationChecks:
    """What POST /presentations/verify asks beyond the proof: its challenge and domain, and whether a proof is
    required (a `verifiablePresentation`; a bare `presentation` may have none)."""

    challenge: str | None = None
    domain: str | None = None
    require_proof: bool = True


def vc_api_outcome(report: VerificationReport) -> Verification[CredentialVerification]:
    """The VC API view of a report: every failure is a problemDetail (a PAI credential's register, status and tier
    included), and so is anything that could not be checked except a foreign status list, which is a warning."""
    problems: list[ProblemDetail] = []
    warnings: list[ProblemDetail] = []
    for check in report.checks:
        if check.result == "passed":
            continue
        problem = problem_for(check)
        warning = check.result == "could not check" and check.name in _WARNING_WHEN_UNCHECKED
        (warnings if warning else problems).append(problem)
    malformed = any(c.name == FORMAT and c.result == "failed" for c in report.checks)
    body = CredentialVerification(
        verified=not problems, problem_details=problems, warnings=warnings, disclosed_claims=report.disclosed_claims
    )
    return Verification(body, malformed=malformed and bool(problems))


def problem_for(check: Check) -> ProblemDetail:
    """The check's own W3C problem type when it names one (e.g. DATA_LOSS_DETECTION_ERROR), else its kind's."""
    if check.problem_type is not None:
        type_url, title = check.problem_type, problem_types.w3c_title(check.problem_type)
    else:
        type_url, title = PROBLEM_TYPES[check.name]
    return ProblemDetail(type=type_url, title=title, detail=f"{check.name}: {check.detail}")


def parsing_error(path: str, value: object) -> ProblemDetail:
    """VC Data Model 2.0 §4.13: a credential must be an object (or an EnvelopedVerifiableCredential object), never
    a string, number or URL; a string is not parsed, even when it holds JSON."""
    kind = "a string" if isinstance(value, str) else f"a JSON {type(value).__name__}"
    return ProblemDetail(
        type=problem_types.PARSING_ERROR,
        title=problem_types.w3c_title(problem_types.PARSING_ERROR),
        detail=f"{path} is {kind}; send the credential as a JSON object (a JWT as an EnvelopedVerifiableCredential)",
    )


async def verify_credential(
    conn: Connection, ctx: ServiceContext, value: object, *, now: datetime, options: Mapping[str, Any] | None = None
) -> Verification[CredentialVerification]:
    """`options.challenge` and `options.domain`, when given, are the nonce and audience an SD-JWT's Key Binding JWT
    must carry (RFC 9901 §7.3 step 5.6: the verifier's transaction and identity); a credential without key binding
    then does not verify."""
    if not isinstance(value, dict):
        problem = parsing_error("verifiableCredential", value)
        return Verification(CredentialVerification(verified=False, problem_details=[problem], warnings=[]), True)
    asked = KeyBindingAsk(nonce=_option(options, "challenge"), aud=_option(options, "domain"))
    key_binding = asked if asked.nonce is not None or asked.aud is not None else None
    report = await verify_credential_value(conn, value, settings=ctx.settings, now=now, key_binding=key_binding)
    return vc_api_outcome(report)


def _option(options: Mapping[str, Any] | None, name: str) -> str | None:
    value = (options or {}).get(name)
    return value if isinstance(value, str) else None


async def verify_presentation(
    conn: Connection, ctx: ServiceContext, presentation: dict[str, Any], checks: PresentationChecks, *, now: datetime
) -> Verification[PresentationVerification]:
    """Verify the presentation's proof (proofPurpose authentication, challenge, domain, holder), then every
    credential inside it; a credential's failures are reported as `verifiableCredential[i]: ...` problems."""
    settings = ctx.settings
    keyring = await load_keyring(conn, settings)
    outcome = await asyncio.to_thread(
        check_presentation_sync,
        presentation,
        keyring,
        challenge=checks.challenge,
        domain=checks.domain,
        require_proof=checks.require_proof,
        now=now,
    )
    retired = await retired_holder_key_refusal(conn, outcome.signed_with)
    if retired is not None:
        outcome.problems.append(
            (
                problem_types.PROOF_VERIFICATION_ERROR,
                problem_types.w3c_title(problem_types.PROOF_VERIFICATION_ERROR),
                retired,
            )
        )
    problems = [ProblemDetail(type=t, title=title, detail=d) for t, title, d in outcome.problems]
    malformed = outcome.malformed
    for index, credential in enumerate(outcome.credentials):
        if not isinstance(credential, dict):
            problems.append(parsing_error(f"verifiableCredential[{index}]", credential))
            malformed = True
            continue
        report = await verify_credential_value(conn, credential, settings=settings, now=now, keyring=keyring)
        inner = vc_api_outcome(report)
        malformed = malformed or inner.malformed
        for problem in inner.body.problem_details:
            problems.append(
                ProblemDetail(
                    type=problem.type, title=problem.title, detail=f"verifiableCredential[{index}]: {problem.detail}"
                )
            )
    body = PresentationVerification(verified=not problems, problem_details=problems, results=outcome.results)
    return Verification(body, malformed=malformed)
