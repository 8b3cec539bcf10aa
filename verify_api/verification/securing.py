"""Does the proof hold? Data Integrity (embedded proof) or JOSE (compact JWS), with keys from the `KeyRing`.

Data Integrity: VC Data Integrity 1.0 §4.4 Verify Proof (https://www.w3.org/TR/vc-data-integrity/#verify-proof),
via `proofs.data_integrity.verify_proofs_with_signed_data`, plus the proof's own time bounds (§2.1 `created`,
`expires`), then `signed_claims`: the JSON the other checks read must be what the proof signed (a failed `format`
check in `SecuringOutcome.format_problem` otherwise). With several proofs (§4.5 sets and chains) the issuer check
judges the first key that is not the issuer's, so every proof's key must belong to the issuer.
JOSE: RFC 7515 §5.2 via `proofs.jws.verify_jws`, then the JWT claims that must agree with the credential
(VC Data Model 1.1 §6.3.1 "JWT decoding", https://www.w3.org/TR/vc-data-model-1.1/#jwt-decoding).
SD-JWT (VC-JOSE-COSE §3.2.1, RFC 9901 §7.1 and §7.3): the Issuer-signed JWT as JOSE, then the Disclosures' refusal
when `verification.presented` found one, then the Key Binding JWT when there is one (or when the verifier asked
for a nonce or audience, which only a Key Binding JWT can answer).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from verify_api.errors import (
    CheckTooCostlyError,
    DataLossError,
    InvalidCredentialError,
    ProofError,
    UnresolvableKeyError,
)
from verify_api.problem_types import DATA_LOSS_DETECTION_ERROR
from verify_api.proofs.data_integrity import verify_proofs_with_signed_data
from verify_api.proofs.jws import check_header, verify_jws
from verify_api.proofs.sd_jwt import KeyBindingAsk, check_key_binding
from verify_api.verification.document import OB_TYPES, parse_date_time_stamp
from verify_api.verification.isolation import DEFAULT_DEADLINE_SECONDS, run_isolated
from verify_api.verification.report import FORMAT, PROOF, failed, passed, unchecked
from verify_api.verification.signed_claims import check_compacted_form, check_signed_claims

if TYPE_CHECKING:
    from verify_api.proofs.cryptosuite import SignedData
    from verify_api.schemas import Check
    from verify_api.verification.keyring import KeyRing, ResolvedKey
    from verify_api.verification.presented import Presented

log = logging.getLogger("verify_api")
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class SecuringOutcome:
    check: Check
    mechanism: str
    key: ResolvedKey | None = None
    created: datetime | None = None  # proof `created` or JWT `iat`: claimed by whoever signed
    not_before: datetime | None = None  # JWT `nbf`
    expires: datetime | None = None  # JWT `exp` (a Data Integrity proof's `expires` is checked here)
    # A failed `format` check when the JSON members are not what the proof signed (`signed_claims`); the report
    # must show it instead of a passed format check.
    format_problem: Check | None = None
    # Every proof's key, in proof order; `key` is the one the issuer check must judge (see `_issuer_key`).
    keys: tuple[ResolvedKey, ...] = ()


async def check_securing(
    presented: Presented, keyring: KeyRing, *, now: datetime, deadline: float = DEFAULT_DEADLINE_SECONDS
) -> SecuringOutcome:
    """`check_securing_sync` in a worker process (`isolation`): a presented document is attacker-chosen CPU work,
    so it never holds the server's GIL, and a check that overruns `deadline` seconds is stopped: not verified."""
    try:
        return await run_isolated(_check_securing_in_worker, presented, keyring, now, deadline=deadline)
    except CheckTooCostlyError as exc:
        return SecuringOutcome(
            failed(PROOF, f"not verified: too costly to check ({exc.detail})"), _mechanism_of(presented)
        )


def _check_securing_in_worker(presented: Presented, keyring: KeyRing, now: datetime) -> SecuringOutcome:
    return check_securing_sync(presented, keyring, now=now)


def check_securing_sync(presented: Presented, keyring: KeyRing, *, now: datetime) -> SecuringOutcome:
    """Verify how the presented credential is secured. CPU-bound on hostile input: `check_securing` isolates it."""
    assert presented.document is not None
    try:
        if presented.jws is not None:
            return _check_jose(presented, keyring, now)
        return _check_data_integrity(presented.document, keyring, now)
    except UnresolvableKeyError as exc:
        return SecuringOutcome(unchecked(PROOF, exc.detail), _mechanism_of(presented))
    except DataLossError as exc:
        check = failed(PROOF, f"the proof does not verify: {exc.detail}")
        check.problem_type = DATA_LOSS_DETECTION_ERROR
        return SecuringOutcome(check, _mechanism_of(presented))
    except (ProofError, InvalidCredentialError) as exc:
        return SecuringOutcome(failed(PROOF, f"the proof does not verify: {exc.detail}"), _mechanism_of(presented))
    except (ValueError, TypeError, KeyError, RecursionError):
        # pyld can fail on hostile input in ways it does not wrap; the answer is the same: not verified.
        log.warning("proof processing failed on a presented credential", exc_info=True)
        return SecuringOutcome(
            failed(PROOF, "the proof does not verify: the document could not be canonicalised"), "unknown"
        )


def _check_data_integrity(document: dict[str, Any], keyring: KeyRing, now: datetime) -> SecuringOutcome:
    proof = document.get("proof")
    if proof is None:
        return SecuringOutcome(
            failed(PROOF, "the credential has no proof, so nothing shows who issued it or that it is unchanged"),
            "no proof",
        )
    keyring.resolved.clear()
    results = verify_proofs_with_signed_data(document, keyring.raw_ed25519, expected_proof_purpose="assertionMethod")
    verified = [proof for proof, _ in results]
    first = verified[0]
    mechanism = f"Data Integrity {first.cryptosuite}"
    keys = tuple(keyring.resolved)
    key = _issuer_key(keys, document.get("issuer"))
    created = parse_date_time_stamp(first.created, "proof.created") if first.created else None
    if created is not None and created > now + CLOCK_SKEW:
        detail = f"the proof claims a creation time in the future ({first.created})"
        return SecuringOutcome(failed(PROOF, detail), mechanism)
    proof_object = proof[0] if isinstance(proof, list) else proof
    expires_at = proof_object.get("expires") if isinstance(proof_object, dict) else None
    if expires_at is not None and now >= parse_date_time_stamp(expires_at, "proof.expires"):
        return SecuringOutcome(failed(PROOF, f"the proof expired on {expires_at}"), mechanism)
    detail = f"{first.cryptosuite} signature verified with {first.verification_method}"
    if len(verified) > 1:
        detail += f" ({len(verified)} proofs, all verified)"
    format_problem = _signed_claims_problem(document, results[0][1])
    return SecuringOutcome(
        passed(PROOF, detail), mechanism, key=key, created=created, format_problem=format_problem, keys=keys
    )


def _signed_claims_problem(document: dict[str, Any], signed: SignedData) -> Check | None:
    """A failed format check unless the JSON the checks read is what the proof signed (`signed_claims`)."""
    unsecured = {name: value for name, value in signed.document.items() if name != "proof"}
    presented = {name: value for name, value in document.items() if name != "proof"}
    try:
        if presented != unsecured:  # the same JSON needs its compacted form checked once
            check_compacted_form(presented)
        check_signed_claims(unsecured, signed.expanded)
    except (InvalidCredentialError, ProofError) as exc:
        check = failed(FORMAT, f"not what was signed: {exc.detail}")
        check.problem_type = DATA_LOSS_DETECTION_ERROR
        return check
    return None


def _issuer_key(keys: tuple[ResolvedKey, ...], issuer: object) -> ResolvedKey:
    """The key the issuer check judges. With several proofs (a set or a `previousProof` chain, VC Data Integrity
    §4.5), every proof has verified, and the credential is the issuer's when one of them is made with a key the
    issuer controls (others may be a notary's or a holder's: the W3C DI suites verify such chains); so judge that
    one, in any position, or else the first key, which then fails the binding. Whether any proof is a PAI key's is
    decided separately from every key (`SecuringOutcome.keys`), so a PAI signature can never hide behind another."""
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    return next((key for key in keys if key.controller == issuer_id), keys[0])


def _check_jose(presented: Presented, keyring: KeyRing, now: datetime) -> SecuringOutcome:
    jws = presented.jws
    document = presented.document
    assert jws is not None
    assert document is not None
    check_header(jws.header)
    ob = bool(OB_TYPES & set(_types(document))) and presented.sd_jwt is None
    mechanism = _jose_mechanism(presented, ob=ob)
    jwk, key = keyring.jwk_for_header(jws.header, allow_embedded_jwk=ob)
    verify_jws(jws, jwk)
    claims = jws.payload
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if "iss" in claims and claims["iss"] != issuer_id:
        raise ProofError(f"the JWT iss {claims['iss']!r} does not match the credential's issuer {issuer_id!r}")
    if "jti" in claims and "id" in document and claims["jti"] != document["id"]:
        raise ProofError(f"the JWT jti {claims['jti']!r} does not match the credential id {document['id']!r}")
    detail = f"{jws.alg} signature verified with {key.verification_method}"
    if presented.sd_jwt is not None:
        detail += _check_sd_jwt(presented, claims=document, now=now)
    return SecuringOutcome(
        passed(PROOF, detail),
        mechanism,
        key=key,
        created=_numeric_date(claims, "iat"),
        not_before=_numeric_date(claims, "nbf"),
        expires=_numeric_date(claims, "exp"),
    )


def _check_sd_jwt(presented: Presented, *, claims: dict[str, Any], now: datetime) -> str:
    """After the Issuer's signature: RFC 9901 §7.1's refusal of the Disclosures (found when they were processed),
    then §7.3 step 5, the Key Binding JWT, when present or when the verifier asked what only it can answer.
    Returns what the proof check adds to its detail: which claims were disclosed, and the key binding."""
    sd_jwt = presented.sd_jwt
    assert sd_jwt is not None
    if sd_jwt.problem is not None:
        raise ProofError(sd_jwt.problem)
    ask = presented.key_binding or KeyBindingAsk()
    disclosed = ", ".join(claim.pointer for claim in sd_jwt.disclosed) or "none"
    detail = f"; SD-JWT Disclosures verified, disclosed: {disclosed}"
    if sd_jwt.parts.kb_jwt is None:
        if ask.nonce is not None or ask.aud is not None:
            raise ProofError(
                "the verifier asked for key binding (a nonce or audience) but the SD-JWT has no Key Binding JWT"
            )
        return detail + "; no Key Binding JWT (holder binding not shown)"
    binding = check_key_binding(sd_jwt.parts, claims, sd_jwt.sd_alg, ask=ask, now=now, max_age=ask.max_age)
    return detail + f"; Key Binding JWT ({binding.alg}) verified with the holder key (cnf.jwk), aud {binding.aud!r}"


def _jose_mechanism(presented: Presented, *, ob: bool) -> str:
    assert presented.jws is not None
    if presented.sd_jwt is not None:
        return f"SD-JWT {presented.jws.alg} (VC-JOSE-COSE)"
    return f"JWS {presented.jws.alg}" + (" (Open Badges 3.0 JWT)" if ob else " (VC-JOSE)")


def _numeric_date(claims: dict[str, Any], name: str) -> datetime | None:
    """RFC 7519 §2 NumericDate: seconds since the epoch."""
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProofError(f"the JWT {name} claim must be a number of seconds")
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        raise ProofError(f"the JWT {name} claim is out of range") from None


def _mechanism_of(presented: Presented) -> str:
    if presented.jws is not None:
        kind = "SD-JWT" if presented.sd_jwt is not None else "JWS"
        return f"{kind} {presented.jws.header.get('alg')}"
    proof = (presented.document or {}).get("proof")
    proof_object = proof[0] if isinstance(proof, list) and proof else proof
    if isinstance(proof_object, dict):
        return f"Data Integrity {proof_object.get('cryptosuite') or proof_object.get('type')}"
    return "no proof"


def _types(document: dict[str, Any]) -> list[str]:
    value = document.get("type")
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []
