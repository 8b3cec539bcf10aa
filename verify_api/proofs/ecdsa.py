"""The ecdsa-rdfc-2019 and ecdsa-jcs-2019 cryptosuites (verification only), step by step.

Spec: W3C "Data Integrity ECDSA Cryptosuites v1.0" (https://www.w3.org/TR/vc-di-ecdsa/), §3.2 (ecdsa-rdfc-2019)
and §3.3 (ecdsa-jcs-2019). PAI Verify signs with Ed25519 only; these suites are here so credentials of other
issuers, and wallets' presentations, signed with P-256 or P-384 keys verify. The Verify Proof outline (§3.2.2,
§3.3.2) is the one all Data Integrity suites share (`cryptosuite.verify_proof_with_suite`); this module supplies
the steps that differ. The curve is the key's: a P-256 key hashes with SHA-256, a P-384 key with SHA-384
(Hashing, §3.2.4/§3.3.4), and the signature is IEEE P1363 r || s (64 or 96 bytes).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from verify_api.errors import ProofError
from verify_api.proofs import cryptosuite
from verify_api.proofs.canonical import canonicalize_jcs, canonicalize_rdfc, expand_and_canonicalize_rdfc

if TYPE_CHECKING:
    from verify_api.proofs.cryptosuite import JsonObject, PublicKeyResolver, SignedData

ECDSA_RDFC_2019 = "ecdsa-rdfc-2019"
ECDSA_JCS_2019 = "ecdsa-jcs-2019"

_P256_KEY_LENGTH = 33  # SEC 1 compressed point
_P384_KEY_LENGTH = 49


class _Curve:
    """A curve by its compressed public key length: the curve, its hash and its scalar size."""

    __slots__ = ("curve", "hash_name", "name", "scalar_length")

    def __init__(self, name: str, curve: ec.EllipticCurve, hash_name: str, scalar_length: int) -> None:
        self.name = name
        self.curve = curve
        self.hash_name = hash_name
        self.scalar_length = scalar_length


_CURVES = {
    _P256_KEY_LENGTH: _Curve("P-256", ec.SECP256R1(), "sha256", 32),
    _P384_KEY_LENGTH: _Curve("P-384", ec.SECP384R1(), "sha384", 48),
}


def _curve_of(public_key: bytes) -> _Curve:
    curve = _CURVES.get(len(public_key))
    if curve is None:
        raise ProofError(
            f"an ECDSA cryptosuite needs a P-256 or P-384 key (33 or 49 bytes compressed), got {len(public_key)} bytes"
        )
    return curve


# --- ecdsa-rdfc-2019 (§3.2) -------------------------------------------------------------------


def transformation_ecdsa_rdfc(unsecured_document: JsonObject, options: JsonObject) -> bytes:
    """Transformation (ecdsa-rdfc-2019), §3.2.3, https://www.w3.org/TR/vc-di-ecdsa/#transformation-ecdsa-rdfc-2019:
    the RDFC-1.0 canonical N-Quads of the document, UTF-8 encoded."""
    cryptosuite.check_suite(options, (ECDSA_RDFC_2019,))
    return canonicalize_rdfc(unsecured_document).encode("utf-8")


def _transformation_rdfc_expanded(unsecured_document: JsonObject, options: JsonObject) -> tuple[bytes, list[Any]]:
    """`transformation_ecdsa_rdfc`, keeping the JSON-LD expansion it computes on the way."""
    cryptosuite.check_suite(options, (ECDSA_RDFC_2019,))
    canonical = expand_and_canonicalize_rdfc(unsecured_document)
    return canonical.nquads.encode("utf-8"), canonical.expanded


def proof_configuration_ecdsa_rdfc(options: JsonObject, unsecured_document: JsonObject) -> bytes:
    """Proof Configuration (ecdsa-rdfc-2019), §3.2.5,
    https://www.w3.org/TR/vc-di-ecdsa/#proof-configuration-ecdsa-rdfc-2019: the options, with the document's
    ``@context``, canonicalised with RDFC-1.0."""
    return canonicalize_rdfc(cryptosuite.proof_config_steps(options, unsecured_document, (ECDSA_RDFC_2019,))).encode(
        "utf-8"
    )


# --- ecdsa-jcs-2019 (§3.3) --------------------------------------------------------------------


def transformation_ecdsa_jcs(unsecured_document: JsonObject, options: JsonObject) -> bytes:
    """Transformation (ecdsa-jcs-2019), §3.3.3, https://www.w3.org/TR/vc-di-ecdsa/#transformation-ecdsa-jcs-2019:
    the RFC 8785 (JCS) serialisation of the document."""
    cryptosuite.check_suite(options, (ECDSA_JCS_2019,))
    return canonicalize_jcs(unsecured_document)


def _transformation_jcs_plain(unsecured_document: JsonObject, options: JsonObject) -> tuple[bytes, None]:
    return transformation_ecdsa_jcs(unsecured_document, options), None


def proof_configuration_ecdsa_jcs(options: JsonObject, unsecured_document: JsonObject) -> bytes:
    """Proof Configuration (ecdsa-jcs-2019), §3.3.5,
    https://www.w3.org/TR/vc-di-ecdsa/#proof-configuration-ecdsa-jcs-2019: the options, with the document's
    ``@context``, canonicalised with JCS."""
    return canonicalize_jcs(cryptosuite.proof_config_steps(options, unsecured_document, (ECDSA_JCS_2019,)))


# --- shared by both suites ----------------------------------------------------------------------


def verify_proof_ecdsa(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver
) -> SignedData:
    """Verify Proof, §3.2.2 https://www.w3.org/TR/vc-di-ecdsa/#verify-proof-ecdsa-rdfc-2019 and §3.3.2
    https://www.w3.org/TR/vc-di-ecdsa/#verify-proof-ecdsa-jcs-2019, for the suite the proof names."""
    suite = _JCS_SUITE if proof.get("cryptosuite") == ECDSA_JCS_2019 else _RDFC_SUITE
    return cryptosuite.verify_proof_with_suite(unsecured_document, proof, resolve_public_key, suite)


def hashing_ecdsa(transformed_document: bytes, canonical_proof_config: bytes, public_key: bytes) -> bytes:
    """Hashing, §3.2.4 https://www.w3.org/TR/vc-di-ecdsa/#hashing-ecdsa-rdfc-2019 and §3.3.4
    https://www.w3.org/TR/vc-di-ecdsa/#hashing-ecdsa-jcs-2019 (identical).

    hashData = H(canonical proof config) || H(transformed document), H being SHA-256 for a P-256 key and
    SHA-384 for a P-384 key (64 or 96 bytes).
    """
    hash_name = _curve_of(public_key).hash_name
    proof_config_hash = hashlib.new(hash_name, canonical_proof_config).digest()
    return proof_config_hash + hashlib.new(hash_name, transformed_document).digest()


def proof_verification_ecdsa(public_key: bytes, proof_bytes: bytes, hash_data: bytes) -> None:
    """Proof Verification, §3.2.7 https://www.w3.org/TR/vc-di-ecdsa/#proof-verification-ecdsa-rdfc-2019 and §3.3.7
    https://www.w3.org/TR/vc-di-ecdsa/#proof-verification-ecdsa-jcs-2019 (identical).

    ECDSA (FIPS 186-5) over hashData, with the curve's hash, of the P1363 signature `proof_bytes`; raises
    `ProofError` when it does not verify.
    """
    curve = _curve_of(public_key)
    if len(proof_bytes) != 2 * curve.scalar_length:
        raise ProofError(
            f"an ECDSA {curve.name} signature must be {2 * curve.scalar_length} bytes (r || s), got {len(proof_bytes)}"
        )
    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(curve.curve, public_key)
    except ValueError:
        raise ProofError(f"the public key is not a valid {curve.name} point") from None
    r = int.from_bytes(proof_bytes[: curve.scalar_length], "big")
    s = int.from_bytes(proof_bytes[curve.scalar_length :], "big")
    algorithm = hashes.SHA256() if curve.hash_name == "sha256" else hashes.SHA384()
    try:
        key.verify(encode_dss_signature(r, s), hash_data, ec.ECDSA(algorithm))
    except InvalidSignature:
        raise ProofError("signature does not verify") from None


_RDFC_SUITE = cryptosuite.Suite(
    _transformation_rdfc_expanded, proof_configuration_ecdsa_rdfc, hashing_ecdsa, proof_verification_ecdsa
)
_JCS_SUITE = cryptosuite.Suite(
    _transformation_jcs_plain, proof_configuration_ecdsa_jcs, hashing_ecdsa, proof_verification_ecdsa
)
