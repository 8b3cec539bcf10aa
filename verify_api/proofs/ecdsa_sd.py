"""The ecdsa-sd-2023 cryptosuite, verifier side: derived (selectively disclosed) proofs.

Spec: W3C "Data Integrity ECDSA Cryptosuites v1.0" §3.4 ecdsa-sd-2023 (https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-sd-2023)
and its functions §3.5 (https://www.w3.org/TR/vc-di-ecdsa/#ecdsa-sd-functions). A verifier meets the derived proof a
holder made from the issuer's base proof; the base proof carries the HMAC key and is for the holder only, so it is
refused with a message saying so. Signatures are P-256 with SHA-256; the proof value is CBOR (cbor2).
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any, NamedTuple

import cbor2

from verify_api.errors import ProofError
from verify_api.proofs import cryptosuite
from verify_api.proofs.canonical import canonicalize_rdfc
from verify_api.proofs.ecdsa import proof_verification_ecdsa
from verify_api.proofs.keys import P256_PUB_HEADER
from verify_api.proofs.multibase import decode_multibase_base64url, encode_base64url

if TYPE_CHECKING:
    from verify_api.proofs.cryptosuite import JsonObject, PublicKeyResolver, SignedData

ECDSA_SD_2023 = "ecdsa-sd-2023"
_BASE_PROOF_HEADER = b"\xd9\x5d\x00"
_DERIVED_PROOF_HEADER = b"\xd9\x5d\x01"
_SIGNATURE_LENGTH = 64
_PROOF_PUBLIC_KEY_LENGTH = 35  # multicodec 0x1200 (2 bytes) + a 33-byte compressed P-256 point (§3.5.8 says 36)
_LABEL_LENGTH = 32
_C14N_LABEL = re.compile(r"_:(c14n[0-9]+)")


class DerivedProofValue(NamedTuple):
    """The five components of a derived proof value (parseDerivedProofValue, §3.5.8)."""

    base_signature: bytes
    public_key: bytes
    signatures: list[bytes]
    label_map: dict[str, str]
    mandatory_indexes: list[int]


class VerifyData(NamedTuple):
    """What createVerifyData (§3.5.9) produces."""

    base_signature: bytes
    proof_hash: bytes
    public_key: bytes
    signatures: list[bytes]
    non_mandatory: list[str]
    mandatory_hash: bytes


def verify_derived_proof(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> SignedData:
    """Verify Derived Proof (ecdsa-sd-2023), §3.4.7, https://www.w3.org/TR/vc-di-ecdsa/#verify-derived-proof-ecdsa-sd-2023.

    `unsecured_document` is the document without its proof. The issuer's key signs proofHash || publicKey ||
    mandatoryHash; the proof-scoped `publicKey` signs each disclosed non-mandatory statement. Raises `ProofError`.
    """
    cryptosuite.check_suite(proof, (ECDSA_SD_2023,))
    data = create_verify_data(unsecured_document, proof)
    if len(data.signatures) != len(data.non_mandatory):
        raise ProofError(
            f"ecdsa-sd-2023: {len(data.signatures)} signatures for {len(data.non_mandatory)} non-mandatory statements"
        )
    issuer_key = resolve_public_key(cryptosuite.require_string(proof, "verificationMethod"))
    to_verify = serialize_sign_data(data.proof_hash, data.public_key, data.mandatory_hash)
    proof_verification_ecdsa(issuer_key, data.base_signature, to_verify)
    proof_key = data.public_key[len(P256_PUB_HEADER) :]
    for signature, statement in zip(data.signatures, data.non_mandatory, strict=True):
        proof_verification_ecdsa(proof_key, signature, statement.encode("utf-8"))
    return cryptosuite.SignedData(unsecured_document)


def create_verify_data(document: JsonObject, proof: JsonObject) -> VerifyData:
    """createVerifyData, §3.5.9, https://www.w3.org/TR/vc-di-ecdsa/#createverifydata."""
    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    proof_config = cryptosuite.proof_config_steps(proof_options, document, (ECDSA_SD_2023,))
    proof_hash = hashlib.sha256(canonicalize_rdfc(proof_config).encode("utf-8")).digest()
    parsed = parse_derived_proof_value(cryptosuite.require_string(proof, "proofValue"))
    nquads = label_replacement_canonicalize(document, parsed.label_map)
    mandatory_indexes = set(parsed.mandatory_indexes)
    if any(index >= len(nquads) for index in mandatory_indexes):
        raise ProofError("ecdsa-sd-2023: a mandatory index is beyond the disclosed statements")
    mandatory = [nq for index, nq in enumerate(nquads) if index in mandatory_indexes]
    non_mandatory = [nq for index, nq in enumerate(nquads) if index not in mandatory_indexes]
    return VerifyData(
        base_signature=parsed.base_signature,
        proof_hash=proof_hash,
        public_key=parsed.public_key,
        signatures=parsed.signatures,
        non_mandatory=non_mandatory,
        mandatory_hash=hash_mandatory_nquads(mandatory),
    )


def parse_derived_proof_value(proof_value: str) -> DerivedProofValue:
    """parseDerivedProofValue, §3.5.8, https://www.w3.org/TR/vc-di-ecdsa/#parsederivedproofvalue."""
    if not proof_value.startswith("u"):
        raise ProofError("ecdsa-sd-2023 proofValue must be multibase base64url-no-pad (start with 'u')")
    decoded = decode_multibase_base64url(proof_value)
    if decoded.startswith(_BASE_PROOF_HEADER):
        raise ProofError(
            "ecdsa-sd-2023 base proof: it is for the holder, who derives a proof from it; a verifier is shown the "
            "derived proof"
        )
    if not decoded.startswith(_DERIVED_PROOF_HEADER):
        raise ProofError("ecdsa-sd-2023 proofValue does not start with the derived proof header 0xd95d01")
    try:
        components = cbor2.loads(decoded[len(_DERIVED_PROOF_HEADER) :])
    except (cbor2.CBORDecodeError, ValueError, TypeError, RecursionError):
        raise ProofError("ecdsa-sd-2023 proofValue is not valid CBOR") from None
    return _check_components(components)


def _check_components(components: Any) -> DerivedProofValue:
    shape_error = ProofError(
        "ecdsa-sd-2023 derived proofValue must be a CBOR array of: a 64-byte base signature, a 35-byte public key, "
        "64-byte signatures, a map of integers to 32-byte labels, and integer mandatory indexes"
    )
    if not isinstance(components, list) or len(components) != 5:  # the five components of §3.5.8
        raise shape_error
    base_signature, public_key, signatures, compressed_label_map, mandatory_indexes = components
    if not _is_bytes(base_signature, _SIGNATURE_LENGTH) or not _is_bytes(public_key, _PROOF_PUBLIC_KEY_LENGTH):
        raise shape_error
    if not isinstance(signatures, list) or not all(_is_bytes(s, _SIGNATURE_LENGTH) for s in signatures):
        raise shape_error
    if not isinstance(compressed_label_map, dict) or not all(
        isinstance(k, int) and k >= 0 and _is_bytes(v, _LABEL_LENGTH) for k, v in compressed_label_map.items()
    ):
        raise shape_error
    if not isinstance(mandatory_indexes, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in mandatory_indexes
    ):
        raise shape_error
    if public_key[: len(P256_PUB_HEADER)] != P256_PUB_HEADER:
        raise ProofError("ecdsa-sd-2023 proof-scoped public key is not a P-256 Multikey (header 0x8024)")
    return DerivedProofValue(
        base_signature, public_key, signatures, decompress_label_map(compressed_label_map), mandatory_indexes
    )


def _is_bytes(value: object, length: int) -> bool:
    return isinstance(value, bytes) and len(value) == length


def decompress_label_map(compressed_label_map: dict[int, bytes]) -> dict[str, str]:
    """decompressLabelMap, §3.5.6, https://www.w3.org/TR/vc-di-ecdsa/#decompresslabelmap."""
    return {f"c14n{key}": "u" + encode_base64url(value) for key, value in compressed_label_map.items()}


def label_replacement_canonicalize(document: JsonObject, label_map: dict[str, str]) -> list[str]:
    """labelReplacementCanonicalizeJsonLd / labelReplacementCanonicalizeNQuads (Data Integrity ECDSA §3.5 and the
    selective-disclosure functions they name): the RDFC-1.0 N-Quads of `document`, each canonical blank node label
    replaced by the label map's, re-sorted. Blank node labels are rewritten only outside literals."""
    lines = [line + "\n" for line in canonicalize_rdfc(document).splitlines() if line]

    def relabel(text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            new_label = label_map.get(match.group(1))
            if new_label is None:
                raise ProofError(f"ecdsa-sd-2023 label map has no entry for blank node _:{match.group(1)}")
            return f"_:{new_label}"

        return _C14N_LABEL.sub(replace, text)

    relabelled = []
    for line in lines:
        first, last = line.find('"'), line.rfind('"')
        if first == -1:
            relabelled.append(relabel(line))
        else:
            relabelled.append(relabel(line[:first]) + line[first : last + 1] + relabel(line[last + 1 :]))
    return sorted(relabelled)


def hash_mandatory_nquads(mandatory: list[str]) -> bytes:
    """hashMandatoryNQuads, §3.5.3, https://www.w3.org/TR/vc-di-ecdsa/#hashmandatorynquads: SHA-256 of the joined
    mandatory N-Quads."""
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()


def serialize_sign_data(proof_hash: bytes, public_key: bytes, mandatory_hash: bytes) -> bytes:
    """serializeSignData, §3.5.4, https://www.w3.org/TR/vc-di-ecdsa/#serializesigndata."""
    return proof_hash + public_key + mandatory_hash
