"""Verifiable presentations: shape (VC Data Model 2.0 §4.13), proof with proofPurpose `authentication` bound to a
challenge and domain (VC Data Integrity 1.0 §4.4 Verify Proof, https://www.w3.org/TR/vc-data-integrity/#verify-proof,
steps on `challenge`/`domain`), and the holder's control of the signing key. The credentials inside are returned
for the caller to verify one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from verify_api import problem_types
from verify_api.errors import (
    InvalidCredentialError,
    ProofChallengeMismatchError,
    ProofDomainMismatchError,
    ProofError,
    ProofPurposeMismatchError,
)
from verify_api.proofs.data_integrity import verify_proofs
from verify_api.verification.document import VC_V1_CONTEXT, VC_V2_CONTEXT, check_structure_limits

if TYPE_CHECKING:
    from verify_api.verification.keyring import KeyRing

# VC Data Integrity 1.0 §2.3: the problem type of each way a presentation's proof can fail, by error class.
_PROOF_PROBLEMS: dict[type[ProofError], str] = {
    ProofPurposeMismatchError: problem_types.MISMATCHED_PROOF_PURPOSE_ERROR,
    ProofChallengeMismatchError: problem_types.INVALID_CHALLENGE_ERROR,
    ProofDomainMismatchError: problem_types.INVALID_DOMAIN_ERROR,
}


@dataclass
class PresentationOutcome:
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # (type, title, detail)
    malformed: bool = False  # the presentation's form is wrong (400), rather than its proof (422)
    results: dict[str, Any] = field(default_factory=dict)
    credentials: list[object] = field(default_factory=list)


# C901: one branch per presentation check of VC 2.0 §4.13 and Data Integrity §2.1 (holder, challenge, domain)
def check_presentation_sync(  # noqa: C901
    presentation: dict[str, Any],
    keyring: KeyRing,
    *,
    challenge: str | None,
    domain: str | None,
    require_proof: bool,
) -> PresentationOutcome:
    outcome = PresentationOutcome()
    try:
        check_structure_limits(presentation)
        holder = _presentation_shape(presentation)
    except InvalidCredentialError as exc:
        outcome.problems.append(_problem(problem_types.MALFORMED_VALUE_ERROR, exc.detail))
        outcome.malformed = True
        return outcome
    raw = presentation.get("verifiableCredential")
    outcome.credentials = list(raw) if isinstance(raw, list) else [] if raw is None else [raw]
    if challenge is not None:
        outcome.results["challenge"] = {"valid": False, "input": challenge}
    if domain is not None:
        outcome.results["domain"] = {"valid": False, "input": domain}
    if "proof" not in presentation:
        if require_proof:
            detail = "the presentation has no proof"
            outcome.problems.append(_problem(problem_types.PROOF_VERIFICATION_ERROR, detail))
        return outcome
    try:
        keyring.resolved.clear()
        verify_proofs(
            presentation,
            keyring.raw_ed25519,
            expected_proof_purpose="authentication",
            expected_challenge=challenge,
            expected_domain=domain,
        )
    except ProofError as exc:
        outcome.problems.append(
            _problem(_PROOF_PROBLEMS.get(type(exc), problem_types.PROOF_VERIFICATION_ERROR), exc.detail)
        )
        outcome.results["proof"] = [{"valid": False, "input": presentation.get("proof")}]
        return outcome
    outcome.results["proof"] = [{"valid": True, "input": presentation.get("proof")}]
    for name in ("challenge", "domain"):
        if name in outcome.results:
            outcome.results[name]["valid"] = True
    if holder is not None:
        controllers = {key.controller for key in keyring.resolved}
        valid = controllers == {holder}
        outcome.results["holder"] = {"valid": valid, "input": holder}
        if not valid:
            detail = (
                f"the presentation is signed by {', '.join(sorted(filter(None, controllers)))}, not its holder {holder}"
            )
            outcome.problems.append(_problem(problem_types.CRYPTOGRAPHIC_SECURITY_ERROR, detail))
    return outcome


def _presentation_shape(presentation: dict[str, Any]) -> str | None:
    """VC Data Model 2.0 §4.13: @context, type VerifiablePresentation, optional holder; returns the holder id."""
    context = presentation.get("@context")
    if not isinstance(context, list) or not context or context[0] not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        raise InvalidCredentialError(f"the presentation's first @context must be {VC_V2_CONTEXT} or {VC_V1_CONTEXT}")
    types = presentation.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "VerifiablePresentation" not in types:
        raise InvalidCredentialError("the presentation's type must include 'VerifiablePresentation'")
    holder = presentation.get("holder")
    if isinstance(holder, dict):
        holder = holder.get("id")
    if holder is not None and not isinstance(holder, str):
        raise InvalidCredentialError("holder must be a URL or an object whose id is a URL")
    return holder


def _problem(type_url: str, detail: str) -> tuple[str, str, str]:
    return (type_url, problem_types.w3c_title(type_url), detail)
