"""The legacy Ed25519Signature2020 suite (https://w3c-ccg.github.io/lds-ed25519-2020/).

Many deployed Open Badges 3.0 credentials use it. It is the eddsa-rdfc-2022 algorithm in all but
name: the proof options, given the document's ``@context``, and the document are each canonicalised
with RDFC-1.0 and hashed with SHA-256, and Ed25519 signs proofHash || docHash. The differences are the
proof ``type`` (no ``cryptosuite``) and that the document's ``@context`` must include the suite context,
as digitalbazaar/ed25519-signature-2020 (`ensureSuiteContext`) requires; `add_proof` appends it.
The vc-di-eddsa TestVectors/Ed25519Signature2020 files prove every step.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING

from verify_api.errors import ProofError
from verify_api.proofs.canonical import canonicalize_rdfc
from verify_api.proofs.cryptosuite import (
    JsonObject,
    PublicKeyResolver,
    check_created,
    decode_proof_value,
    format_created,
    require_string,
)
from verify_api.proofs.eddsa import hashing, proof_verification
from verify_api.proofs.multibase import encode_multibase_base58btc

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.proofs.keys import Signer

ED25519_SIGNATURE_2020 = "Ed25519Signature2020"
SUITE_CONTEXT = "https://w3id.org/security/suites/ed25519-2020/v1"
# Proof members that jsonld-signatures strips before canonicalising the proof options.
_SIGNATURE_MEMBERS = ("proofValue", "jws", "signatureValue", "nonce")


def add_proof(
    unsecured: JsonObject,
    signer: Signer,
    *,
    verification_method: str,
    created: datetime | str,
    proof_purpose: str = "assertionMethod",
) -> JsonObject:
    """Return a copy of `unsecured` with an Ed25519Signature2020 proof (and the suite context, if missing)."""
    document = copy.deepcopy(unsecured)
    if "proof" in document:
        raise ProofError("document already has a proof; Ed25519Signature2020 proof sets are not supported")
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context] if context is not None else []
    if SUITE_CONTEXT not in contexts:
        document["@context"] = [*contexts, SUITE_CONTEXT]
    options: JsonObject = {
        "type": ED25519_SIGNATURE_2020,
        "created": created if isinstance(created, str) else format_created(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    document["proof"] = create_proof(document, options, signer)
    return document


def create_proof(unsecured_document: JsonObject, options: JsonObject, signer: Signer) -> JsonObject:
    """Sign: proofValue = 'z' + base58btc(Ed25519(SHA-256(c14n proof options) || SHA-256(c14n document)))."""
    proof = copy.deepcopy(options)
    proof["proofValue"] = encode_multibase_base58btc(signer.sign(create_verify_data(unsecured_document, proof)))
    return proof


def verify_proof(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> JsonObject:
    """Verify an Ed25519Signature2020 proof over `unsecured_document` (the document without its proof)."""
    proof_bytes = decode_proof_value(proof)
    hash_data = create_verify_data(unsecured_document, proof)
    public_key = resolve_public_key(require_string(proof, "verificationMethod"))
    proof_verification(public_key, proof_bytes, hash_data)
    return unsecured_document


def create_verify_data(unsecured_document: JsonObject, proof: JsonObject) -> bytes:
    """jsonld-signatures' createVerifyData: SHA-256(c14n proof options) || SHA-256(c14n document)."""
    if proof.get("type") != ED25519_SIGNATURE_2020:
        raise ProofError(f"proof type is {proof.get('type')!r}, expected {ED25519_SIGNATURE_2020!r}")
    context = unsecured_document.get("@context")
    if not (context == SUITE_CONTEXT or (isinstance(context, list) and SUITE_CONTEXT in context)):
        raise ProofError(f"{ED25519_SIGNATURE_2020} requires the document @context to include {SUITE_CONTEXT}")
    if "created" in proof:
        check_created(proof["created"])
    proof_options = {key: value for key, value in proof.items() if key not in _SIGNATURE_MEMBERS}
    proof_options["@context"] = copy.deepcopy(context)
    canonical_proof = canonicalize_rdfc(proof_options).encode("utf-8")
    canonical_document = canonicalize_rdfc(unsecured_document).encode("utf-8")
    return hashing(canonical_document, canonical_proof)
