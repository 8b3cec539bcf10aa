"""Add and verify Data Integrity proofs: the entry points the rest of PAI Verify calls.

Spec: W3C "Verifiable Credential Data Integrity 1.0" §4 Algorithms
(https://www.w3.org/TR/vc-data-integrity/#algorithms): Add Proof (§4.1), Add Proof Set/Chain (§4.2),
Verify Proof (§4.4) and Verify Proof Sets and Chains (§4.5). The cryptosuites themselves are in
`eddsa.py` (eddsa-rdfc-2022, eddsa-jcs-2022, and the legacy name eddsa-2022), `ecdsa.py` (ecdsa-rdfc-2019,
ecdsa-jcs-2019; verify only), `ecdsa_sd.py` (ecdsa-sd-2023 derived proofs; verify only) and
`ed25519_signature_2020.py` (legacy, dispatched by proof type); the steps they share are in `cryptosuite.py`.
Resolving a verification method to a key is the caller's callback; `resolve_did_key` (in `keys.py`) resolves
did:key offline (Ed25519, P-256, P-384) and can serve as a fallback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.errors import (
    ProofChallengeMismatchError,
    ProofDomainMismatchError,
    ProofError,
    ProofPurposeMismatchError,
)
from verify_api.proofs import ed25519_signature_2020
from verify_api.proofs.cryptosuite import (
    DATA_INTEGRITY_PROOF,
    JsonObject,
    PublicKeyResolver,
    SignedData,
    copy_json,
    format_created,
    require_string,
)
from verify_api.proofs.ecdsa import ECDSA_JCS_2019, ECDSA_RDFC_2019, verify_proof_ecdsa
from verify_api.proofs.ecdsa_sd import ECDSA_SD_2023, verify_derived_proof
from verify_api.proofs.eddsa import (
    EDDSA_2022,
    EDDSA_JCS_2022,
    EDDSA_RDFC_2022,
    create_proof_jcs,
    create_proof_rdfc,
    verify_proof_eddsa,
)

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from verify_api.proofs.keys import Signer

SUPPORTED_CRYPTOSUITES = (EDDSA_RDFC_2022, EDDSA_JCS_2022, ECDSA_RDFC_2019, ECDSA_JCS_2019, ECDSA_SD_2023, EDDSA_2022)
SIGNING_CRYPTOSUITES = (EDDSA_RDFC_2022, EDDSA_JCS_2022)  # the rest are verified, never issued
SUPPORTED_PROOF_TYPES = (DATA_INTEGRITY_PROOF, ed25519_signature_2020.ED25519_SIGNATURE_2020)

_CREATE: dict[str, Callable[[JsonObject, JsonObject, Signer], JsonObject]] = {
    EDDSA_RDFC_2022: create_proof_rdfc,
    EDDSA_JCS_2022: create_proof_jcs,
}


def _verify_ed25519_signature_2020(
    document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> SignedData:
    return SignedData(ed25519_signature_2020.verify_proof(document, proof, resolve_public_key))


_VERIFY: dict[str, Callable[[JsonObject, JsonObject, PublicKeyResolver], SignedData]] = {
    **dict.fromkeys((EDDSA_RDFC_2022, EDDSA_JCS_2022, EDDSA_2022), verify_proof_eddsa),
    **dict.fromkeys((ECDSA_RDFC_2019, ECDSA_JCS_2019), verify_proof_ecdsa),
    ECDSA_SD_2023: verify_derived_proof,
    ed25519_signature_2020.ED25519_SIGNATURE_2020: _verify_ed25519_signature_2020,
}


class VerifiedProof(msgspec.Struct, frozen=True, kw_only=True):
    """One proof that verified. For Ed25519Signature2020, `cryptosuite` is the proof type; `created` and
    `proof_id` are None when the proof has none."""

    proof_type: str
    cryptosuite: str
    verification_method: str
    proof_purpose: str
    created: str | None
    proof_id: str | None


# PLR0913: the proof options of VC Data Integrity §4.1 Add Proof, keyword-only
def add_proof(  # noqa: PLR0913
    unsecured: JsonObject,
    signer: Signer,
    *,
    cryptosuite: str,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    expires: datetime | str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> JsonObject:
    """Return a new secured document: `unsecured` plus a DataIntegrityProof (`unsecured` is not changed).

    Add Proof, VC Data Integrity 1.0 §4.1, https://www.w3.org/TR/vc-data-integrity/#add-proof; when the
    document already has proofs, Add Proof Set/Chain §4.2,
    https://www.w3.org/TR/vc-data-integrity/#add-proof-set-chain: the new proof is appended and signs the
    document without its proofs, or with the proofs `previous_proof` names (a proof chain).
    `created` must be timezone-aware if a datetime (it is written in UTC, ``...Z``).
    """
    create = _CREATE.get(cryptosuite)
    if create is None:
        raise ProofError(
            f"unsupported cryptosuite {cryptosuite!r} for signing; supported: {', '.join(SIGNING_CRYPTOSUITES)}"
        )
    options = proof_options(
        cryptosuite=cryptosuite,
        verification_method=verification_method,
        created=created,
        proof_purpose=proof_purpose,
        challenge=challenge,
        domain=domain,
        expires=expires,
        proof_id=proof_id,
        previous_proof=previous_proof,
    )
    secured = copy_json(unsecured)
    existing = _proof_list(secured.pop("proof")) if "proof" in secured else []
    input_document = copy_json(secured)
    if previous_proof is not None:
        input_document["proof"] = _matching_proofs(previous_proof, existing)
    proof = create(input_document, options, signer)
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


# PLR0913: the proof options of VC Data Integrity §4.1 Add Proof, keyword-only
def proof_options(  # noqa: PLR0913
    *,
    cryptosuite: str,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    expires: datetime | str | None = None,
    proof_id: str | None = None,
    previous_proof: str | list[str] | None = None,
) -> JsonObject:
    """The proof options `add_proof` signs with, members in its order (a start-up check of the RDFC templates
    builds the same proof configurations from them)."""
    options: JsonObject = {"type": DATA_INTEGRITY_PROOF}
    if proof_id is not None:
        options["id"] = proof_id
    options["cryptosuite"] = cryptosuite
    options["created"] = created if isinstance(created, str) else format_created(created)
    if expires is not None:
        options["expires"] = expires if isinstance(expires, str) else format_created(expires)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = proof_purpose
    optional = {"challenge": challenge, "domain": domain, "previousProof": previous_proof}
    options.update({name: value for name, value in optional.items() if value is not None})
    return options


def verify_proof(
    secured: JsonObject,
    resolve_public_key: PublicKeyResolver,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    expected_domain: str | None = None,
    expected_challenge: str | None = None,
) -> VerifiedProof:
    """Verify every proof on `secured` and return the first; raise `ProofError` saying why one failed.

    See `verify_proofs`, which returns all of them.
    """
    return verify_proofs(
        secured,
        resolve_public_key,
        expected_proof_purpose=expected_proof_purpose,
        expected_domain=expected_domain,
        expected_challenge=expected_challenge,
    )[0]


def verify_proofs(
    secured: JsonObject,
    resolve_public_key: PublicKeyResolver,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    expected_domain: str | None = None,
    expected_challenge: str | None = None,
) -> tuple[VerifiedProof, ...]:
    """Verify all proofs on `secured` (a single proof, a proof set or a proof chain).

    Verify Proof, VC Data Integrity 1.0 §4.4, https://www.w3.org/TR/vc-data-integrity/#verify-proof, and
    Verify Proof Sets and Chains §4.5, https://www.w3.org/TR/vc-data-integrity/#verify-proof-sets-and-chains.
    `resolve_public_key` maps a verificationMethod to raw key bytes (32-byte Ed25519, or a 33/49-byte compressed
    P-256/P-384 point for the ecdsa suites) or raises `ProofError`.
    With `expected_proof_purpose` None, any proofPurpose is accepted (one must still be present).
    Time checks (`expires`, `created` in the future) are left to the caller, who owns the clock.
    """
    verified = verify_proofs_with_signed_data(
        secured,
        resolve_public_key,
        expected_proof_purpose=expected_proof_purpose,
        expected_domain=expected_domain,
        expected_challenge=expected_challenge,
    )
    return tuple(proof for proof, _ in verified)


def verify_proofs_with_signed_data(
    secured: JsonObject,
    resolve_public_key: PublicKeyResolver,
    *,
    expected_proof_purpose: str | None = "assertionMethod",
    expected_domain: str | None = None,
    expected_challenge: str | None = None,
) -> tuple[tuple[VerifiedProof, SignedData], ...]:
    """`verify_proofs`, with what each proof covers: the document as signed and, for eddsa-rdfc-2022, its
    JSON-LD expansion (so the claims can be read from what was signed without expanding it again)."""
    if not isinstance(secured, dict):
        raise ProofError("the secured document must be a JSON object")
    if secured.get("proof") is None:
        raise ProofError("document has no proof")
    all_proofs = _proof_list(secured["proof"])
    unsecured = {key: value for key, value in secured.items() if key != "proof"}
    results: list[tuple[VerifiedProof, SignedData]] = []
    for proof in all_proofs:
        input_document = dict(unsecured)
        if "previousProof" in proof:
            input_document["proof"] = _matching_proofs(proof["previousProof"], all_proofs)
        results.append(
            _verify_one(
                input_document,
                proof,
                resolve_public_key,
                expected_proof_purpose,
                expected_domain,
                expected_challenge,
            )
        )
    return tuple(results)


# PLR0913: the inputs of VC Data Integrity §4.4 Verify Proof (document, proof, key resolver, expectations)
def _verify_one(  # noqa: PLR0913
    document: JsonObject,
    proof: JsonObject,
    resolve_public_key: PublicKeyResolver,
    expected_proof_purpose: str | None,
    expected_domain: str | None,
    expected_challenge: str | None,
) -> tuple[VerifiedProof, SignedData]:
    """Verify Proof §4.4 for one proof: check the generic members, then run the cryptosuite."""
    proof_type = require_string(proof, "type")
    if proof_type == DATA_INTEGRITY_PROOF:
        cryptosuite = require_string(proof, "cryptosuite")
        if cryptosuite not in SUPPORTED_CRYPTOSUITES:
            raise ProofError(f"unsupported cryptosuite {cryptosuite!r}; supported: {', '.join(SUPPORTED_CRYPTOSUITES)}")
    elif proof_type == ed25519_signature_2020.ED25519_SIGNATURE_2020:
        cryptosuite = proof_type
    else:
        raise ProofError(f"unsupported proof type {proof_type!r}; supported: {', '.join(SUPPORTED_PROOF_TYPES)}")
    verification_method = require_string(proof, "verificationMethod")
    proof_purpose = require_string(proof, "proofPurpose")
    if expected_proof_purpose is not None and proof_purpose != expected_proof_purpose:
        raise ProofPurposeMismatchError(f"proofPurpose is {proof_purpose!r}, expected {expected_proof_purpose!r}")
    if expected_domain is not None:
        domain = proof.get("domain")
        domains = domain if isinstance(domain, list) else [domain]
        if expected_domain not in domains:
            raise ProofDomainMismatchError(
                f"proof domain {domain!r} does not match the expected domain {expected_domain!r}"
            )
    if expected_challenge is not None and proof.get("challenge") != expected_challenge:
        raise ProofChallengeMismatchError("proof challenge does not match the expected challenge")
    signed = _VERIFY[cryptosuite](document, proof, resolve_public_key)
    created = proof.get("created")
    proof_id = proof.get("id")
    return VerifiedProof(
        proof_type=proof_type,
        cryptosuite=cryptosuite,
        verification_method=verification_method,
        proof_purpose=proof_purpose,
        created=created if isinstance(created, str) else None,
        proof_id=proof_id if isinstance(proof_id, str) else None,
    ), signed


def _proof_list(value: object) -> list[JsonObject]:
    proofs = value if isinstance(value, list) else [value]
    if not proofs:
        raise ProofError("document has no proof (the proof list is empty)")
    result: list[JsonObject] = []
    for proof in proofs:
        if not isinstance(proof, dict):
            raise ProofError("each proof must be a JSON object")
        result.append(proof)
    return result


def _matching_proofs(previous_proof: object, all_proofs: list[JsonObject]) -> list[JsonObject]:
    """The proofs a previousProof value (an id or a list of ids) refers to, in its order (§4.2, §4.5)."""
    ids = previous_proof if isinstance(previous_proof, list) else [previous_proof]
    matching: list[JsonObject] = []
    for proof_id in ids:
        found = next((proof for proof in all_proofs if proof_id is not None and proof.get("id") == proof_id), None)
        if found is None:
            raise ProofError(f"previousProof {proof_id!r} does not match the id of any proof on the document")
        matching.append(found)
    return matching
