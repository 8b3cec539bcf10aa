"""The eddsa-rdfc-2022 and eddsa-jcs-2022 cryptosuites, step by step.

Spec: W3C "Data Integrity EdDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-eddsa/), §3.2
(eddsa-rdfc-2022) and §3.3 (eddsa-jcs-2022). Section numbers follow the Recommendation; the anchor
URLs in each docstring are the stable reference. Hashing, proof serialization and proof verification are
word for word the same in both suites, so each is written once and cites both sections.

Resolving a verification method to a key is the caller's job (`PublicKeyResolver`); proof sets,
chains, proof purposes and challenges are handled one level up, in `data_integrity.py`.
"""

from __future__ import annotations

import copy
import hashlib
import re
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any, NamedTuple

from verify_api.errors import ProofError
from verify_api.proofs.canonical import canonicalize_jcs, canonicalize_rdfc, expand_and_canonicalize_rdfc
from verify_api.proofs.keys import verify_ed25519
from verify_api.proofs.multibase import decode_multibase_base58btc, encode_multibase_base58btc

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.proofs.keys import Signer

JsonObject = dict[str, Any]
PublicKeyResolver = Callable[[str], bytes]


class SignedData(NamedTuple):
    """What a verified proof covers: the document as signed, and its JSON-LD expansion when the suite computed one
    (eddsa-rdfc-2022 expands it on the way to RDF; readers of the claims use it instead of expanding again)."""

    document: JsonObject
    expanded: list[Any] | None = None


_Transformation = Callable[[JsonObject, JsonObject], tuple[bytes, list[Any] | None]]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
EDDSA_JCS_2022 = "eddsa-jcs-2022"

_SPEC = "https://www.w3.org/TR/vc-di-eddsa/"
# XML Schema 1.1 dateTimeStamp: a dateTime with a mandatory time zone.
_DATE_TIME_STAMP = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


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
    proof = copy.deepcopy(options)
    proof_config = proof_configuration_rdfc(proof, unsecured_document)
    return _with_proof_value(proof, transformation_rdfc(unsecured_document, options), proof_config, signer)


def verify_proof_rdfc(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> SignedData:
    """Verify Proof (eddsa-rdfc-2022), §3.2.2, https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-rdfc-2022.

    `unsecured_document` is the secured document without its proof (step 1). Returns the verified
    document and its expansion; raises `ProofError` when the proof does not verify.
    """
    return _verify_proof(
        unsecured_document, proof, resolve_public_key, _transformation_rdfc_expanded, proof_configuration_rdfc
    )


def transformation_rdfc(unsecured_document: JsonObject, options: JsonObject) -> bytes:
    """Transformation (eddsa-rdfc-2022), §3.2.3, https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-rdfc-2022.

    Returns the RDFC-1.0 canonical N-Quads of the document, UTF-8 encoded.
    """
    _check_suite(options, EDDSA_RDFC_2022)
    return canonicalize_rdfc(unsecured_document).encode("utf-8")


def _transformation_rdfc_expanded(unsecured_document: JsonObject, options: JsonObject) -> tuple[bytes, list[Any]]:
    """`transformation_rdfc`, keeping the JSON-LD expansion it computes on the way."""
    _check_suite(options, EDDSA_RDFC_2022)
    canonical = expand_and_canonicalize_rdfc(unsecured_document)
    return canonical.nquads.encode("utf-8"), canonical.expanded


def proof_configuration_rdfc(options: JsonObject, unsecured_document: JsonObject) -> bytes:
    """Proof Configuration (eddsa-rdfc-2022), §3.2.5,
    https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-rdfc-2022.

    The proof options get the document's ``@context`` and are canonicalised with RDFC-1.0.
    """
    proof_config = _proof_config(options, unsecured_document, EDDSA_RDFC_2022)
    return canonicalize_rdfc(proof_config).encode("utf-8")


# --- eddsa-jcs-2022 (§3.3) --------------------------------------------------------------------


def create_proof_jcs(unsecured_document: JsonObject, options: JsonObject, signer: Signer) -> JsonObject:
    """Create Proof (eddsa-jcs-2022), §3.3.1, https://www.w3.org/TR/vc-di-eddsa/#create-proof-eddsa-jcs-2022.

    Unlike rdfc, step 2 copies the document's ``@context`` into the proof itself.
    """
    proof = copy.deepcopy(options)
    if "@context" in unsecured_document:
        proof["@context"] = copy.deepcopy(unsecured_document["@context"])
    proof_config = proof_configuration_jcs(proof, unsecured_document)
    return _with_proof_value(proof, transformation_jcs(unsecured_document, options), proof_config, signer)


def verify_proof_jcs(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> SignedData:
    """Verify Proof (eddsa-jcs-2022), §3.3.2, https://www.w3.org/TR/vc-di-eddsa/#verify-proof-eddsa-jcs-2022.

    `unsecured_document` is the secured document without its proof (step 1). Returns the verified
    document (with the proof's @context, as signed); raises `ProofError` when the proof does not verify.
    """
    return _verify_proof(
        unsecured_document, proof, resolve_public_key, _transformation_jcs_plain, proof_configuration_jcs
    )


def transformation_jcs(unsecured_document: JsonObject, options: JsonObject) -> bytes:
    """Transformation (eddsa-jcs-2022), §3.3.3, https://www.w3.org/TR/vc-di-eddsa/#transformation-eddsa-jcs-2022.

    Returns the RFC 8785 (JCS) serialisation of the document.
    """
    _check_suite(options, EDDSA_JCS_2022)
    return canonicalize_jcs(unsecured_document)


def _transformation_jcs_plain(unsecured_document: JsonObject, options: JsonObject) -> tuple[bytes, None]:
    return transformation_jcs(unsecured_document, options), None


def proof_configuration_jcs(options: JsonObject, unsecured_document: JsonObject) -> bytes:
    """Proof Configuration (eddsa-jcs-2022), §3.3.5,
    https://www.w3.org/TR/vc-di-eddsa/#proof-configuration-eddsa-jcs-2022.

    The proof options get the document's ``@context`` and are canonicalised with JCS.
    """
    return canonicalize_jcs(_proof_config(options, unsecured_document, EDDSA_JCS_2022))


# --- shared by both suites ----------------------------------------------------------------------


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


def proof_verification(
    hash_data: bytes, proof_bytes: bytes, options: JsonObject, resolve_public_key: PublicKeyResolver
) -> None:
    """Proof Verification, §3.2.7 https://www.w3.org/TR/vc-di-eddsa/#proof-verification-eddsa-rdfc-2022 and
    §3.3.7 https://www.w3.org/TR/vc-di-eddsa/#proof-verification-eddsa-jcs-2022 (identical).

    Resolves options.verificationMethod to a raw Ed25519 key and verifies; raises `ProofError`.
    """
    public_key = resolve_public_key(require_string(options, "verificationMethod"))
    verify_ed25519(public_key, proof_bytes, hash_data)


def require_string(proof: JsonObject, name: str) -> str:
    """Return proof[name], or raise `ProofError` if it is missing or not a string."""
    value = proof.get(name)
    if value is None:
        raise ProofError(f"proof has no {name}")
    if not isinstance(value, str):
        raise ProofError(f"proof {name} must be a string")
    return value


def check_created(value: object) -> None:
    """Reject a `created` (or `expires`) value that is not an XML Schema 1.1 dateTimeStamp."""
    if not isinstance(value, str) or not _DATE_TIME_STAMP.fullmatch(value):
        raise ProofError(f"proof created value {value!r} is not an XML Schema dateTimeStamp (with time zone)")


def format_created(value: datetime) -> str:
    """Format an aware datetime as an XML Schema dateTimeStamp in UTC: ``2023-02-24T23:36:38Z``
    (fractional seconds appear only when the datetime has microseconds)."""
    if value.utcoffset() is None:
        raise ProofError("created must be a timezone-aware datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decode_proof_value(proof: JsonObject) -> bytes:
    """Decode the base58btc multibase ``proofValue`` of a proof."""
    value = require_string(proof, "proofValue")
    try:
        return decode_multibase_base58btc(value)
    except ProofError as exc:
        raise ProofError(f"proofValue is not valid multibase base58btc: {exc.detail}") from exc


def _check_suite(options: JsonObject, cryptosuite: str) -> None:
    if options.get("type") != DATA_INTEGRITY_PROOF or options.get("cryptosuite") != cryptosuite:
        raise ProofError(
            f"proof is not a {DATA_INTEGRITY_PROOF} with cryptosuite {cryptosuite!r} "
            f"(type {options.get('type')!r}, cryptosuite {options.get('cryptosuite')!r})"
        )


def _proof_config(options: JsonObject, unsecured_document: JsonObject, cryptosuite: str) -> JsonObject:
    """Steps 1-4 of Proof Configuration, the same in both suites."""
    proof_config = copy.deepcopy(options)
    _check_suite(proof_config, cryptosuite)
    if "created" in proof_config:
        check_created(proof_config["created"])
    if "@context" in unsecured_document:
        proof_config["@context"] = copy.deepcopy(unsecured_document["@context"])
    else:
        proof_config.pop("@context", None)
    return proof_config


def _verify_proof(
    unsecured_document: JsonObject,
    proof: JsonObject,
    resolve_public_key: PublicKeyResolver,
    transformation: _Transformation,
    proof_configuration: Callable[[JsonObject, JsonObject], bytes],
) -> SignedData:
    """Verify Proof, steps 2-9; the two suites differ only in `transformation` and `proof_configuration`."""
    document = copy.deepcopy(unsecured_document)
    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    proof_bytes = decode_proof_value(proof)
    if "@context" in proof_options:
        _check_context_prefix(proof_options["@context"], document.get("@context"))
        document["@context"] = copy.deepcopy(proof_options["@context"])
    transformed_data, expanded = transformation(document, proof_options)
    proof_config = proof_configuration(proof_options, document)
    hash_data = hashing(transformed_data, proof_config)
    proof_verification(hash_data, proof_bytes, proof_options, resolve_public_key)
    return SignedData(document, expanded)


def _check_context_prefix(proof_context: object, document_context: object) -> None:
    """Verify Proof step 4.1: the document's @context must start with the proof's @context, in order."""
    proof_list = proof_context if isinstance(proof_context, list) else [proof_context]
    document_list = document_context if isinstance(document_context, list) else [document_context]
    if document_context is None or document_list[: len(proof_list)] != proof_list:
        raise ProofError("proof @context does not match the start of the document's @context")
