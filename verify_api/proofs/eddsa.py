"""The eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites, step by step.

Spec: W3C "Data Integrity EdDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-eddsa/), §3.2
(eddsa-rdfc-2022) and §3.3 (eddsa-jcs-2022). Section numbers follow the Recommendation; the anchor
URLs in each docstring are the stable reference. Hashing, proof serialization and proof verification are
word for word the same in both suites, so each is written once and cites both sections.

Resolving a verification method to a key is the caller's job (`PublicKeyResolver`); proof sets,
chains, proof purposes and challenges are handled one level up, in `data_integrity.py`.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.proofs.canonical import canonicalize_jcs, canonicalize_rdfc, expand_and_canonicalize_rdfc
from verify_api.proofs.cryptosuite import (
    JsonObject,
    PublicKeyResolver,
    SignedData,
    Suite,
    check_suite,
    copy_json,
    proof_config_steps,
    verify_proof_with_suite,
)
from verify_api.proofs.keys import verify_ed25519
from verify_api.proofs.multibase import encode_multibase_base58btc

if TYPE_CHECKING:
    from verify_api.proofs.keys import Signer

EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
EDDSA_JCS_2022 = "eddsa-jcs-2022"
# The name eddsa-rdfc-2022 had in the 2022-2023 drafts of vc-di-eddsa (same algorithm); 1EdTech's OB 3.0
# samples and the badges issued from them still carry it. Verified, never issued.
EDDSA_2022 = "eddsa-2022"
_RDFC_NAMES = (EDDSA_RDFC_2022, EDDSA_2022)


def _with_proof_value(proof: JsonObject, transformed_data: bytes, proof_config: bytes, signer: Signer) -> JsonObject:
    """The last steps of Create Proof, the same in both suites (§3.2.1 and §3.3.1): hash the
    transformed data with the proof configuration, sign, and set `proofValue` as base58-btc multibase."""
    hash_data = hashing(transformed_data, proof_config)
    proof_bytes = proof_serialization(hash_data, signer)
    proof["proofValue"] = encode_multibase_base58btc(proof_bytes)
    return proof


# --- eddsa-rdfc-2022 (§3.2) -------------------------------------------------------------------


def create_proof_rdfc(unsecured_document: JsonObject, options: JsonObject, signer: Signer) -> JsonObject:
    """Create Proof (eddsa-rdfc-2022), §3.2.1, https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-rdfc-2022."""
    proof = copy_json(options)
    proof_config = proof_configuration_rdfc(proof, unsecured_document, learn=True)
    transformed = transformation_rdfc(unsecured_document, options, learn=True)
    return _with_proof_value(proof, transformed, proof_config, signer)


def transformation_rdfc(unsecured_document: JsonObject, options: JsonObject, *, learn: bool = False) -> bytes:
    """Transformation (eddsa-rdfc-2022), §3.2.3, https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-rdfc-2022.

    Returns the RDFC-1.0 canonical N-Quads of the document, UTF-8 encoded. Signing passes `learn`: a document of a
    new shape teaches its template (canonical.py, rdfc_template.py), so the next one skips JSON-LD expansion.
    """
    check_suite(options, _RDFC_NAMES)
    return canonicalize_rdfc(unsecured_document, learn=learn).encode("utf-8")


def _transformation_rdfc_expanded(unsecured_document: JsonObject, options: JsonObject) -> tuple[bytes, list[Any]]:
    """`transformation_rdfc`, keeping the JSON-LD expansion it computes on the way."""
    check_suite(options, _RDFC_NAMES)
    canonical = expand_and_canonicalize_rdfc(unsecured_document)
    return canonical.nquads.encode("utf-8"), canonical.expanded


def proof_configuration_rdfc(options: JsonObject, unsecured_document: JsonObject, *, learn: bool = False) -> bytes:
    """Proof Configuration (eddsa-rdfc-2022), §3.2.5,
    https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022.

    The proof options get the document's ``@context`` and are canonicalised with RDFC-1.0 (`learn` as in
    `transformation_rdfc`). When signing (`learn`), the canonical form is kept for the next document: a batch of
    credentials is signed with one proof configuration (the same key, time and contexts), and canonicalisation is
    a function of the JSON value, which the cache key spells exactly (msgspec's JSON, types and key order kept).
    """
    proof_config = proof_config_steps(options, unsecured_document, _RDFC_NAMES)
    if not learn:
        return canonicalize_rdfc(proof_config).encode("utf-8")
    try:
        spelled = msgspec.json.encode(proof_config)
    except (TypeError, msgspec.EncodeError):
        return canonicalize_rdfc(proof_config, learn=True).encode("utf-8")
    canonical = _SIGNING_PROOF_CONFIGS.get(spelled)
    if canonical is None:
        canonical = canonicalize_rdfc(proof_config, learn=True).encode("utf-8")
        if len(_SIGNING_PROOF_CONFIGS) >= _SIGNING_PROOF_CONFIGS_KEPT:
            _SIGNING_PROOF_CONFIGS.clear()
        _SIGNING_PROOF_CONFIGS[spelled] = canonical
    return canonical


# Canonical proof configurations of recent signings, by their exact JSON (see proof_configuration_rdfc).
_SIGNING_PROOF_CONFIGS: dict[bytes, bytes] = {}
_SIGNING_PROOF_CONFIGS_KEPT = 32


# --- eddsa-jcs-2022 (§3.3) --------------------------------------------------------------------


def create_proof_jcs(unsecured_document: JsonObject, options: JsonObject, signer: Signer) -> JsonObject:
    """Create Proof (eddsa-jcs-2022), §3.3.1, https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-jcs-2022.

    Unlike rdfc, step 2 copies the document's ``@context`` into the proof itself.
    """
    proof = copy_json(options)
    if "@context" in unsecured_document:
        proof["@context"] = copy_json(unsecured_document["@context"])
    proof_config = proof_configuration_jcs(proof, unsecured_document)
    return _with_proof_value(proof, transformation_jcs(unsecured_document, options), proof_config, signer)


def transformation_jcs(unsecured_document: JsonObject, options: JsonObject) -> bytes:
    """Transformation (eddsa-jcs-2022), §3.3.3, https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-jcs-2022.

    Returns the RFC 8785 (JCS) serialisation of the document.
    """
    check_suite(options, (EDDSA_JCS_2022,))
    return canonicalize_jcs(unsecured_document)


def _transformation_jcs_plain(unsecured_document: JsonObject, options: JsonObject) -> tuple[bytes, None]:
    return transformation_jcs(unsecured_document, options), None


def proof_configuration_jcs(options: JsonObject, unsecured_document: JsonObject) -> bytes:
    """Proof Configuration (eddsa-jcs-2022), §3.3.5,
    https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-jcs-2022.

    The proof options get the document's ``@context`` and are canonicalised with JCS.
    """
    return canonicalize_jcs(proof_config_steps(options, unsecured_document, (EDDSA_JCS_2022,)))


# --- shared by both suites ----------------------------------------------------------------------


def verify_proof_eddsa(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> SignedData:
    """Verify Proof, §3.2.2 https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-rdfc-2022 and §3.3.2
    https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-jcs-2022, for the suite the proof names.

    `unsecured_document` is the secured document without its proof (step 1). Returns the verified document (with
    the proof's @context, as signed) and, for rdfc, its expansion; raises `ProofError` when it does not verify.
    """
    suite = _JCS_SUITE if proof.get("cryptosuite") == EDDSA_JCS_2022 else _RDFC_SUITE
    return verify_proof_with_suite(unsecured_document, proof, resolve_public_key, suite)


def hashing(transformed_document: bytes, canonical_proof_config: bytes) -> bytes:
    """Hashing, §3.2.4 https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-rdfc-2022 and
    §3.3.4 https://www.w3.org/TR/vc-di-eddsa/#hashing-eddsa-jcs-2022 (identical).

    hashData = SHA-256(canonical proof config) || SHA-256(transformed document), 64 bytes.
    """
    return hashlib.sha256(canonical_proof_config).digest() + hashlib.sha256(transformed_document).digest()


def proof_serialization(hash_data: bytes, signer: Signer) -> bytes:
    """Proof Serialization, §3.2.6 https://www.w3.org/TR/vc-di-eddsa/#proof-serialization-eddsa-rdfc-2022 and
    §3.3.6 https://www.w3.org/TR/vc-di-eddsa/#proof-serialization-eddsa-jcs-2022 (identical).

    Pure Ed25519 (RFC 8032) over hashData; the caller picked `signer` for options.verificationMethod.
    """
    return signer.sign(hash_data)


def proof_verification(public_key: bytes, proof_bytes: bytes, hash_data: bytes) -> None:
    """Proof Verification, §3.2.7 https://www.w3.org/TR/vc-di-eddsa/#proof-verification-eddsa-rdfc-2022 and
    §3.3.7 https://www.w3.org/TR/vc-di-eddsa/#proof-verification-eddsa-jcs-2022 (identical).

    Verifies the Ed25519 signature `proof_bytes` over hashData with the key options.verificationMethod names
    (resolved by the shared Verify Proof outline); raises `ProofError`.
    """
    verify_ed25519(public_key, proof_bytes, hash_data)


def _hashing_with_key(transformed_document: bytes, canonical_proof_config: bytes, _public_key: bytes) -> bytes:
    return hashing(transformed_document, canonical_proof_config)


_RDFC_SUITE = Suite(_transformation_rdfc_expanded, proof_configuration_rdfc, _hashing_with_key, proof_verification)
_JCS_SUITE = Suite(_transformation_jcs_plain, proof_configuration_jcs, _hashing_with_key, proof_verification)
