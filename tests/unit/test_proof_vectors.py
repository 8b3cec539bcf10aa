"""W3C vc-di-eddsa TestVectors, reproduced byte for byte at every step.

Files: tests/vectors/eddsa/ (copied from w3c/vc-di-eddsa TestVectors; see PROVENANCE.md there).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, NamedTuple

import pytest

from verify_api.proofs import ed25519_signature_2020
from verify_api.proofs.canonical import canonicalize_rdfc
from verify_api.proofs.data_integrity import add_proof, verify_proofs
from verify_api.proofs.eddsa import (
    hashing,
    proof_configuration_jcs,
    proof_configuration_rdfc,
    proof_serialization,
    transformation_jcs,
    transformation_rdfc,
)
from verify_api.proofs.keys import (
    decode_secret_multikey,
    did_key_verification_method,
    resolve_did_key,
    signer_from_seed,
)
from verify_api.proofs.multibase import encode_multibase_base58btc

EDDSA = Path(__file__).parent.parent / "vectors/eddsa"
KEY_PAIR: dict[str, str] = json.loads((EDDSA / "keyPair.json").read_text())
SIGNER = signer_from_seed(decode_secret_multikey(KEY_PAIR["privateKeyMultibase"]))
CREATED = "2023-02-24T23:36:38Z"
VERIFICATION_METHOD = f"did:key:{KEY_PAIR['publicKeyMultibase']}#{KEY_PAIR['publicKeyMultibase']}"


class Suite(NamedTuple):
    folder: str
    suffix: str
    signed: str


SUITES = {
    "eddsa-rdfc-2022": Suite("eddsa-rdfc-2022", "DataInt", "signedDataInt.json"),
    "eddsa-jcs-2022": Suite("eddsa-jcs-2022", "JCS", "signedJCS.json"),
    "Ed25519Signature2020": Suite("Ed25519Signature2020", "EdSig", "signedEdSig.json"),
}


def read_text(suite: str, stem: str) -> str:
    s = SUITES[suite]
    return (EDDSA / s.folder / f"{stem}{s.suffix}.txt").read_text(encoding="utf-8")


def read_json(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EDDSA / relative).read_text(encoding="utf-8"))
    return data


def unsigned() -> dict[str, Any]:
    return read_json("unsigned.json")


def proof_config(suite: str) -> dict[str, Any]:
    s = SUITES[suite]
    return read_json(f"{s.folder}/proofConfig{s.suffix}.json")


def canonical_document(suite: str) -> bytes:
    """Transformation step of each suite, on the vector's unsigned document."""
    if suite == "eddsa-rdfc-2022":
        return transformation_rdfc(unsigned(), proof_config(suite))
    if suite == "eddsa-jcs-2022":
        return transformation_jcs(unsigned(), proof_config(suite))
    document = unsigned()
    document["@context"] = proof_config(suite)["@context"]  # the suite context, added when signing
    return canonicalize_rdfc(document).encode()


def canonical_proof_config(suite: str) -> bytes:
    """Proof configuration step of each suite, from the vector's proof options minus their @context."""
    options = {key: value for key, value in proof_config(suite).items() if key != "@context"}
    if suite == "eddsa-rdfc-2022":
        return proof_configuration_rdfc(options, unsigned())
    if suite == "eddsa-jcs-2022":
        return proof_configuration_jcs(options | {"@context": unsigned()["@context"]}, unsigned())
    return canonicalize_rdfc(proof_config(suite)).encode()


def sign_unsigned(suite: str) -> dict[str, Any]:
    if suite == "Ed25519Signature2020":
        return ed25519_signature_2020.add_proof(
            unsigned(), SIGNER, verification_method=VERIFICATION_METHOD, created=CREATED
        )
    return add_proof(unsigned(), SIGNER, cryptosuite=suite, verification_method=VERIFICATION_METHOD, created=CREATED)


def test_proof_vector_key_pair_is_consistent() -> None:
    assert SIGNER.public_key_multibase == KEY_PAIR["publicKeyMultibase"]
    assert did_key_verification_method(SIGNER.public_key) == VERIFICATION_METHOD


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_canonical_document(suite: str) -> None:
    assert canonical_document(suite) == read_text(suite, "canonDoc").encode()


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_canonical_proof_config(suite: str) -> None:
    assert canonical_proof_config(suite) == read_text(suite, "proofCanon").encode()


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_document_hash(suite: str) -> None:
    assert hashlib.sha256(canonical_document(suite)).hexdigest() == read_text(suite, "docHash")


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_proof_hash(suite: str) -> None:
    assert hashlib.sha256(canonical_proof_config(suite)).hexdigest() == read_text(suite, "proofHash")


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_combined_hash(suite: str) -> None:
    combined = hashing(canonical_document(suite), canonical_proof_config(suite))
    assert combined.hex() == read_text(suite, "combinedHash")


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_signature_hex(suite: str) -> None:
    signature = proof_serialization(bytes.fromhex(read_text(suite, "combinedHash")), SIGNER)
    assert signature.hex() == read_text(suite, "sigHex")


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_signature_base58btc(suite: str) -> None:
    assert encode_multibase_base58btc(bytes.fromhex(read_text(suite, "sigHex"))) == read_text(suite, "sigBTC58")


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_signed_document_carries_proof_value(suite: str) -> None:
    assert read_json(f"{SUITES[suite].folder}/{SUITES[suite].signed}")["proof"]["proofValue"] == read_text(
        suite, "sigBTC58"
    )


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_add_proof_reproduces_signed_document(suite: str) -> None:
    expected = (EDDSA / SUITES[suite].folder / SUITES[suite].signed).read_text(encoding="utf-8")
    secured = sign_unsigned(suite)
    assert secured == json.loads(expected)
    assert json.dumps(secured, indent=2) == expected  # same members in the same order


@pytest.mark.parametrize("suite", SUITES)
def test_proof_vector_add_proof_leaves_input_unchanged(suite: str) -> None:
    document = unsigned()
    if suite == "Ed25519Signature2020":
        ed25519_signature_2020.add_proof(document, SIGNER, verification_method=VERIFICATION_METHOD, created=CREATED)
    else:
        add_proof(document, SIGNER, cryptosuite=suite, verification_method=VERIFICATION_METHOD, created=CREATED)
    assert document == unsigned()


# --- proof sets and chains (TestVectors/proof-set-chain) --------------------------------------

CHAIN = "proof-set-chain"
PROOF_IDS = [
    "urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544",
    "urn:uuid:8cc9022b-6b14-4cf3-8571-74972c5feb54",
    "urn:uuid:d94f792a-c546-4d06-b38a-da070ab56c23",
]


def chain_signer(number: int) -> tuple[Any, str]:
    pairs = read_json(f"{CHAIN}/multiKeyPairs.json")
    signer = signer_from_seed(decode_secret_multikey(pairs[f"keyPair{number}"]["privateKeyMultibase"]))
    return signer, did_key_verification_method(signer.public_key)


def add_chain_proof(document: dict[str, Any], number: int, created: str, **options: Any) -> dict[str, Any]:
    signer, method = chain_signer(number)
    return add_proof(
        document,
        signer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=method,
        created=created,
        **options,
    )


def test_proof_vector_add_proof_reproduces_proof_set_and_chain() -> None:
    set1 = add_chain_proof(read_json(f"{CHAIN}/unsigned.json"), 1, CREATED, proof_id=PROOF_IDS[0])
    set2 = add_chain_proof(set1, 2, CREATED, proof_id=PROOF_IDS[1])
    chain1 = add_chain_proof(set2, 3, "2023-02-26T22:06:38Z", proof_id=PROOF_IDS[2], previous_proof=PROOF_IDS[:2])
    chain2 = add_chain_proof(chain1, 4, "2023-02-26T22:16:38Z", previous_proof=PROOF_IDS[2])
    for document, name in [
        (set1, "signedProofSet1"),
        (set2, "signedProofSet2"),
        (chain1, "signedProofChain1"),
        (chain2, "signedProofChain2"),
    ]:
        assert json.dumps(document, indent=2) == (EDDSA / CHAIN / f"{name}.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "count"),
    [("signedProofSet1", 1), ("signedProofSet2", 2), ("signedProofChain1", 3), ("signedProofChain2", 4)],
)
def test_proof_vector_proof_sets_and_chains_verify(name: str, count: int) -> None:
    verified = verify_proofs(read_json(f"{CHAIN}/{name}.json"), resolve_did_key)
    assert len(verified) == count
