"""Verifiable presentations: shape (VC Data Model 2.0 §4.13), proof with proofPurpose `authentication` bound to a
challenge and domain (VC Data Integrity 1.0 §4.4 Verify Proof, https://www.w3.org/TR/vc-data-integrity/#verify-proof,
steps on `challenge`/`domain`), and the holder's control of the signing key. The credentials inside are returned
for the caller to verify one by one.

An EnvelopedVerifiablePresentation (VC Data Model 2.0 §4.13.2) carries the presentation as a JWT instead: `vp+jwt`
with the presentation as its payload (VC-JOSE-COSE §3.1.2, https://www.w3.org/TR/vc-jose-cose/#securing-with-jose)
or the VC-JWT 1.1 form with a `vp` claim (VC Data Model 1.1 §6.3.1), its challenge in `nonce` and its domain in
`aud` (RFC 7519 §4.1.3; OpenID4VP's binding of a presentation JWT), signed by the holder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from verify_api import problem_types
from verify_api.errors import (
    InvalidCredentialError,
    ProofChallengeMismatchError,
    ProofDomainMismatchError,
    ProofError,
    ProofPurposeMismatchError,
    UnresolvableKeyError,
)
from verify_api.proofs.data_integrity import verify_proofs
from verify_api.proofs.jose import check_typ_and_cty
from verify_api.proofs.jws import split_compact_jws, verify_jws
from verify_api.verification.document import VC_V1_CONTEXT, VC_V2_CONTEXT, check_structure_limits
from verify_api.verification.envelope import is_envelope, open_envelope

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
    # How the presentation is secured ("Data Integrity eddsa-jcs-2022", "JWS EdDSA (vp+jwt)") and, when its proof
    # held, with which key; for the report of POST /v1/verify.
    mechanism: str = "no proof"
    detail: str = ""
    # The verification methods of the presentation's verified proofs: the caller refuses a retired holder key of
    # one of the service's own API clients (services/holder_keys.py), which only the database knows.
    signed_with: list[str] = field(default_factory=list)


# PLR0913: the presentation, the keys, and the verifier's own expectations of it (challenge, domain, a proof) and
# clock, each a separate question the VC API request asks
def check_presentation_sync(  # noqa: PLR0913
    presentation: dict[str, Any],
    keyring: KeyRing,
    *,
    challenge: str | None,
    domain: str | None,
    require_proof: bool,
    now: datetime | None = None,
) -> PresentationOutcome:
    if is_envelope(presentation, "vp"):
        return check_enveloped_presentation_sync(presentation, keyring, challenge=challenge, domain=domain, now=now)
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
    proof = presentation.get("proof")
    proof_object = proof[0] if isinstance(proof, list) and proof else proof
    suite = proof_object.get("cryptosuite") if isinstance(proof_object, dict) else None
    outcome.mechanism = f"Data Integrity {suite}"
    outcome.signed_with = [key.verification_method for key in keyring.resolved]
    methods = ", ".join(outcome.signed_with)
    outcome.detail = f"the presentation's {suite} proof verified with {methods}"
    _check_holder(outcome, holder, {key.controller for key in keyring.resolved})
    return outcome


def _check_holder(outcome: PresentationOutcome, holder: str | None, controllers: set[str | None]) -> None:
    """The holder, when named, must control every key the presentation is signed with."""
    if holder is None:
        return
    valid = controllers == {holder}
    outcome.results["holder"] = {"valid": valid, "input": holder}
    if not valid:
        detail = (
            f"the presentation is signed by {', '.join(sorted(filter(None, controllers)))}, not its holder {holder}"
        )
        outcome.problems.append(_problem(problem_types.CRYPTOGRAPHIC_SECURITY_ERROR, detail))


def check_enveloped_presentation_sync(
    envelope: dict[str, Any],
    keyring: KeyRing,
    *,
    challenge: str | None,
    domain: str | None,
    now: datetime | None = None,
) -> PresentationOutcome:
    """VC Data Model 2.0 §4.13.2: open the envelope, verify the JWT (RFC 7515 §5.2) with the key its `kid` names
    (the holder's: an embedded `jwk` proves no one), read the presentation from it, then bind it: `nonce` is the
    challenge, `aud` the domain, the JWT's `exp`/`nbf` hold, and `iss` and the key belong to the holder."""
    outcome = PresentationOutcome(mechanism="JWS (enveloped presentation)")
    try:
        check_structure_limits(envelope)
        token = open_envelope(envelope, "vp")
        jws = split_compact_jws(token)
        check_typ_and_cty(jws.header, jws.payload, "vp")
        vp_claim = jws.payload.get("vp")
        presentation = vp_claim if isinstance(vp_claim, dict) else jws.payload
        check_structure_limits(presentation)
        holder = _presentation_shape(presentation)
    except (InvalidCredentialError, ProofError) as exc:
        outcome.problems.append(_problem(problem_types.MALFORMED_VALUE_ERROR, exc.detail))
        outcome.malformed = True
        return outcome
    outcome.mechanism = f"JWS {jws.alg} ({'VC-JWT 1.1 vp claim' if vp_claim is presentation else 'vp+jwt'})"
    raw = presentation.get("verifiableCredential")
    outcome.credentials = list(raw) if isinstance(raw, list) else [] if raw is None else [raw]
    try:
        jwk, key = keyring.jwk_for_header(jws.header, allow_embedded_jwk=False)
        verify_jws(jws, jwk)
        _check_jwt_binding(jws.payload, challenge=challenge, domain=domain, now=now)
    except (ProofError, UnresolvableKeyError) as exc:
        outcome.problems.append(
            _problem(_PROOF_PROBLEMS.get(type(exc), problem_types.PROOF_VERIFICATION_ERROR), exc.detail)
        )
        outcome.results["proof"] = [{"valid": False, "input": jws.header}]
        return outcome
    outcome.results["proof"] = [{"valid": True, "input": jws.header}]
    for name, value in (("challenge", challenge), ("domain", domain)):
        if value is not None:
            outcome.results[name] = {"valid": True, "input": value}
    outcome.detail = f"the presentation's {jws.alg} signature verified with {key.verification_method}"
    outcome.signed_with = [key.verification_method]
    issuer = jws.payload.get("iss")
    if issuer is not None and issuer != (holder or key.controller):
        detail = f"the presentation JWT's iss {issuer!r} is not its holder {holder or key.controller!r}"
        outcome.problems.append(_problem(problem_types.CRYPTOGRAPHIC_SECURITY_ERROR, detail))
    _check_holder(outcome, holder, {key.controller})
    return outcome


def _check_jwt_binding(
    claims: dict[str, Any], *, challenge: str | None, domain: str | None, now: datetime | None
) -> None:
    """The verifier's challenge in `nonce` and domain in `aud` (a string or a list, RFC 7519 §4.1.3), and the JWT's
    own time bounds (RFC 7519 §4.1.4 `exp`, §4.1.5 `nbf`)."""
    if challenge is not None and claims.get("nonce") != challenge:
        raise ProofChallengeMismatchError(
            f"the presentation JWT's nonce {claims.get('nonce')!r} is not the challenge {challenge!r}"
        )
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if domain is not None and domain not in audiences:
        raise ProofDomainMismatchError(f"the presentation JWT's aud {audience!r} does not include {domain!r}")
    moment = now or datetime.now(UTC)
    for name in ("exp", "nbf"):
        value = claims.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ProofError(f"the presentation JWT's {name} claim must be a number of seconds")
        if name == "exp" and moment.timestamp() >= value:
            raise ProofError("the presentation JWT has expired (exp)")
        if name == "nbf" and moment.timestamp() < value:
            raise ProofError("the presentation JWT is not valid yet (nbf)")


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
