"""W3C vc-di-ecdsa TestVectors for ecdsa-rdfc-2019 and ecdsa-jcs-2019 (P-256 and P-384), reproduced step by step.

Files: tests/vectors/ecdsa/ (copied from w3c/vc-di-ecdsa TestVectors; see PROVENANCE.md there). ECDSA signatures
are randomised, so the signing step cannot be reproduced; the vector's signature is verified instead.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from verify_api.errors import ProofError
from verify_api.proofs.data_integrity import verify_proofs
from verify_api.proofs.ecdsa import (
    hashing_ecdsa,
    proof_configuration_ecdsa_jcs,
    proof_configuration_ecdsa_rdfc,
    proof_verification_ecdsa,
    transformation_ecdsa_jcs,
    transformation_ecdsa_rdfc,
)
from verify_api.proofs.keys import decode_public_multikey, resolve_did_key
from verify_api.proofs.multibase import decode_multibase_base58btc

ECDSA = Path(__file__).parent.parent / "vectors/ecdsa"


class Vector(NamedTuple):
    folder: str
    suffix: str  # the file-name infix of the folder, e.g. canonDoc{suffix}.txt
    curve: str
    hash_name: str


VECTORS = {
    "rdfc-p256": Vector("ecdsa-rdfc-2019-p256", "ECDSAP256", "p256", "sha256"),
    "rdfc-p384": Vector("ecdsa-rdfc-2019-p384", "ECDSAP384", "p384", "sha384"),
    "jcs-p256": Vector("ecdsa-jcs-2019-p256", "JCSECDSAP256", "p256", "sha256"),
    "jcs-p384": Vector("ecdsa-jcs-2019-p384", "JCSECDSAP384", "p384", "sha384"),
}


def read_text(name: str, stem: str, extension: str = "txt") -> str:
    """A vector file of one suite and curve: {folder}/{stem}{suffix}.{extension}."""
    v = VECTORS[name]
    return (ECDSA / v.folder / f"{stem}{v.suffix}.{extension}").read_text(encoding="utf-8")


def as_object(text: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(text)
    return data


def unsigned() -> dict[str, Any]:
    return as_object((ECDSA / "unsigned.json").read_text(encoding="utf-8"))


def signed(name: str) -> dict[str, Any]:
    return as_object(read_text(name, "signed", "json"))


def proof_options(name: str) -> dict[str, Any]:
    return as_object(read_text(name, "proofConfig", "json"))


def public_key(name: str) -> bytes:
    key_pair = as_object((ECDSA / f"{VECTORS[name].curve}KeyPair.json").read_text(encoding="utf-8"))
    return decode_public_multikey(key_pair["publicKeyMultibase"])


def transformed_document(name: str) -> bytes:
    """Transformation (§3.2.3 / §3.3.3) of the vector's unsigned document."""
    options = proof_options(name)
    if name.startswith("rdfc"):
        return transformation_ecdsa_rdfc(unsigned(), options)
    return transformation_ecdsa_jcs(unsigned(), options)


def canonical_proof_config(name: str) -> bytes:
    """Proof Configuration (§3.2.5 / §3.3.5) from the vector's proof options without their @context."""
    options = proof_options(name)
    options.pop("@context")
    if name.startswith("rdfc"):
        return proof_configuration_ecdsa_rdfc(options, unsigned())
    return proof_configuration_ecdsa_jcs(options, unsigned())


def test_ecdsa_vector_keys_are_compressed_points() -> None:
    assert len(public_key("rdfc-p256")) == 33
    assert len(public_key("rdfc-p384")) == 49
    assert resolve_did_key(signed("jcs-p384")["proof"]["verificationMethod"]) == public_key("jcs-p384")


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_transformation_and_proof_configuration(name: str) -> None:
    expected = (read_text(name, "canonDoc").encode(), read_text(name, "proofCanon").encode())
    assert (transformed_document(name), canonical_proof_config(name)) == expected


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_hashes_use_the_curve_hash(name: str) -> None:
    hash_name = VECTORS[name].hash_name
    assert hashlib.new(hash_name, transformed_document(name)).hexdigest() == read_text(name, "docHash")
    assert hashlib.new(hash_name, canonical_proof_config(name)).hexdigest() == read_text(name, "proofHash")


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_hashing(name: str) -> None:
    hash_data = hashing_ecdsa(transformed_document(name), canonical_proof_config(name), public_key(name))
    assert hash_data.hex() == read_text(name, "combinedHash")


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_signature_encodings_agree(name: str) -> None:
    proof_bytes = decode_multibase_base58btc(read_text(name, "sigBTC58"))
    assert proof_bytes.hex() == read_text(name, "sigHex")
    assert signed(name)["proof"]["proofValue"] == read_text(name, "sigBTC58")


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_proof_verification(name: str) -> None:
    hash_data = bytes.fromhex(read_text(name, "combinedHash"))
    proof_verification_ecdsa(public_key(name), bytes.fromhex(read_text(name, "sigHex")), hash_data)
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        proof_verification_ecdsa(public_key(name), bytes.fromhex(read_text(name, "sigHex")), hash_data[::-1])


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_signed_document_verifies(name: str) -> None:
    (verified,) = verify_proofs(signed(name), resolve_did_key)
    assert verified.cryptosuite == signed(name)["proof"]["cryptosuite"]


@pytest.mark.parametrize("name", VECTORS)
def test_ecdsa_vector_tampered_document_fails(name: str) -> None:
    document = signed(name)
    document["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proofs(document, resolve_did_key)


def test_ecdsa_signature_of_the_wrong_length_is_named() -> None:
    hash_data = bytes.fromhex(read_text("rdfc-p384", "combinedHash"))
    with pytest.raises(ProofError, match="P-384 signature must be 96 bytes"):
        proof_verification_ecdsa(public_key("rdfc-p384"), bytes.fromhex(read_text("rdfc-p256", "sigHex")), hash_data)


def test_ecdsa_suite_refuses_an_ed25519_key() -> None:
    document = signed("rdfc-p256")
    ed25519 = "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
    document["proof"]["verificationMethod"] = f"{ed25519}#{ed25519.removeprefix('did:key:')}"
    with pytest.raises(ProofError, match="needs a P-256 or P-384 key"):
        verify_proofs(document, resolve_did_key)


def test_eddsa_suite_refuses_a_p256_key() -> None:
    document = signed("rdfc-p256")
    document["proof"]["cryptosuite"] = "eddsa-rdfc-2022"
    with pytest.raises(ProofError, match="Ed25519 public key must be 32 bytes, got 33"):
        verify_proofs(document, resolve_did_key)
