"""W3C vc-di-ecdsa TestVectors for ecdsa-sd-2023, verifier side: the derived proof, step by step.

Files: tests/vectors/ecdsa/ecdsa-sd-2023/ (copied from w3c/vc-di-ecdsa TestVectors; see ../PROVENANCE.md).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import cbor2
import pytest

from verify_api.errors import ProofError
from verify_api.proofs.data_integrity import verify_proofs
from verify_api.proofs.ecdsa_sd import create_verify_data, label_replacement_canonicalize, parse_derived_proof_value
from verify_api.proofs.keys import resolve_did_key
from verify_api.proofs.multibase import decode_multibase_base64url, encode_multibase_base64url

PRC = Path(__file__).parent.parent / "vectors/ecdsa/ecdsa-sd-2023/prc"


def load(name: str) -> Any:
    return json.loads((PRC / name).read_text(encoding="utf-8"))


def revealed() -> dict[str, Any]:
    document: dict[str, Any] = load("derivedRevealDocument.json")
    return document


def unsecured_and_proof() -> tuple[dict[str, Any], dict[str, Any]]:
    document = revealed()
    proof = document.pop("proof")
    return document, proof


def test_ecdsa_sd_parse_derived_proof_value() -> None:
    expected = load("verifyDerivedProofValue.json")
    parsed = parse_derived_proof_value(revealed()["proof"]["proofValue"])
    assert parsed.base_signature.hex() == expected["baseSignature"]
    assert [s.hex() for s in parsed.signatures] == expected["signatures"]
    assert sorted(parsed.label_map.items()) == sorted((k, v) for k, v in expected["labelMap"])
    assert parsed.mandatory_indexes == expected["mandatoryIndexes"]


def test_ecdsa_sd_label_replacement_canonicalize() -> None:
    document, proof = unsecured_and_proof()
    label_map = parse_derived_proof_value(proof["proofValue"]).label_map
    assert label_replacement_canonicalize(document, label_map) == load("verifyNQuads.json")


def test_ecdsa_sd_create_verify_data() -> None:
    expected = load("verifyCreateVerifyData.json")
    data = create_verify_data(*unsecured_and_proof())
    assert data.proof_hash.hex() == expected["proofHash"]
    assert data.mandatory_hash.hex() == expected["mandatoryHash"]
    assert data.non_mandatory == expected["nonMandatory"]
    assert [s.hex() for s in data.signatures] == expected["signatures"]


def test_ecdsa_sd_derived_proof_verifies() -> None:
    (verified,) = verify_proofs(revealed(), resolve_did_key)
    assert verified.cryptosuite == "ecdsa-sd-2023"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["credentialSubject"].update(birthCountry="Utopia"),  # a disclosed non-mandatory statement
        lambda d: d.update(validUntil="2035-12-16T23:59:59Z"),  # a mandatory statement
        lambda d: d["credentialSubject"].update(givenName="Mallory"),  # a statement the holder never had signed
        lambda d: d["proof"].update(created="2023-08-16T23:36:38Z"),  # the proof options
    ],
)
def test_ecdsa_sd_tampered_derived_proof_fails(tamper: Any) -> None:
    document = revealed()
    tamper(document)
    with pytest.raises(ProofError, match=r"signature does not verify|signatures for \d+ non-mandatory statements"):
        verify_proofs(document, resolve_did_key)


def with_components(change: Any) -> dict[str, Any]:
    document = revealed()
    components = cbor2.loads(decode_multibase_base64url(document["proof"]["proofValue"])[3:])
    change(components)
    document["proof"]["proofValue"] = encode_multibase_base64url(b"\xd9\x5d\x01" + cbor2.dumps(components))
    return document


def test_ecdsa_sd_dropped_signature_is_named() -> None:
    with pytest.raises(ProofError, match="5 signatures for 6 non-mandatory statements"):
        verify_proofs(with_components(lambda c: c[2].pop()), resolve_did_key)


def test_ecdsa_sd_malformed_proof_value_is_named() -> None:
    with pytest.raises(ProofError, match="must be a CBOR array of"):
        verify_proofs(with_components(lambda c: c.pop()), resolve_did_key)
    document = revealed()
    document["proof"]["proofValue"] = encode_multibase_base64url(b"\xd9\x5d\x01\x85\x01")  # 5 items promised, 1 given
    with pytest.raises(ProofError, match="not valid CBOR"):
        verify_proofs(document, resolve_did_key)


def test_ecdsa_sd_base_proof_is_refused_with_a_reason() -> None:
    document = copy.deepcopy(revealed())
    document["proof"]["proofValue"] = encode_multibase_base64url(b"\xd9\x5d\x00" + cbor2.dumps([]))
    with pytest.raises(ProofError, match="base proof: it is for the holder"):
        verify_proofs(document, resolve_did_key)
