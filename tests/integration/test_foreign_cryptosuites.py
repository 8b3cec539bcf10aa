"""Other issuers' credentials through the real app: 1EdTech's OB 3.0 samples and the W3C ECDSA vectors.

Each verifies as genuine (of another issuer, never as PAI's) through `POST /v1/verify` and the VC API's
`POST /credentials/verify`, whatever cryptosuite signed it; a tampered copy fails its proof check, saying so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from tests.factories import Client

VECTORS = Path(__file__).parent.parent / "vectors"
# Every valid JSON sample in tests/vectors/ob3/ (1EdTech's validator accepts them all) and the cryptosuite it uses.
OB3_SAMPLES = {
    "ob3/simple.json": "eddsa-rdfc-2022",
    "ob3/simple-context-alias.json": "eddsa-rdfc-2022",
    "ob3/simple-context-version.json": "eddsa-rdfc-2022",
    "ob3/simple-did-key-method.json": "eddsa-rdfc-2022",
    "ob3/endorsement-valid.json": "eddsa-rdfc-2022",
    "ob3/bit-string-list/testlist.json": "eddsa-rdfc-2022",
    "ob3/simple-eddsa-2022.json": "eddsa-2022",
    "ob3/simple_v1.json": "Ed25519Signature2020",
}
ECDSA_SAMPLES = {
    "ecdsa/ecdsa-rdfc-2019-p256/signedECDSAP256.json": "ecdsa-rdfc-2019",
    "ecdsa/ecdsa-rdfc-2019-p384/signedECDSAP384.json": "ecdsa-rdfc-2019",
    "ecdsa/ecdsa-jcs-2019-p256/signedJCSECDSAP256.json": "ecdsa-jcs-2019",
    "ecdsa/ecdsa-jcs-2019-p384/signedJCSECDSAP384.json": "ecdsa-jcs-2019",
}
SAMPLES = OB3_SAMPLES | ECDSA_SAMPLES


def sample(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / name).read_text(encoding="utf-8"))
    return data


def tampered(name: str) -> dict[str, Any]:
    document = sample(name)
    subject = document["credentialSubject"]
    subject["id"] = "did:example:someone-else"
    return document


def checks_of(report: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {c["name"]: (c["result"], c["detail"]) for c in report["checks"]}


@pytest.mark.parametrize("name", sorted(SAMPLES))
async def test_foreign_sample_verifies_through_v1_verify(client: Client, name: str) -> None:
    response = await client.post("/v1/verify", json=sample(name))
    assert response.status_code == 200, response.text
    report = response.json()
    checks = checks_of(report)
    assert (report["verdict"], report["issuer"]["classification"]) == ("not_pai", "other")
    assert checks["proof"][0] == "passed"
    assert checks["proof"][1].startswith(f"{SAMPLES[name]} signature verified with ")
    assert [name for name, (result, _) in checks.items() if result == "failed"] == []


@pytest.mark.parametrize("name", sorted(SAMPLES))
async def test_foreign_sample_verifies_through_vc_api(client: Client, name: str) -> None:
    response = await client.post("/credentials/verify", json={"verifiableCredential": sample(name)})
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert (outcome["verified"], outcome["problemDetails"]) == (True, [])


@pytest.mark.parametrize("name", sorted(SAMPLES))
async def test_tampered_foreign_sample_fails_its_proof_check(client: Client, name: str) -> None:
    report = (await client.post("/v1/verify", json=tampered(name))).json()
    assert checks_of(report)["proof"] == ("failed", "the proof does not verify: signature does not verify")
    outcome = (await client.post("/credentials/verify", json={"verifiableCredential": tampered(name)})).json()
    assert outcome["verified"] is False
    assert any("signature does not verify" in problem["detail"] for problem in outcome["problemDetails"])


async def test_selectively_disclosed_credential_proof_verifies_and_its_tampering_fails(client: Client) -> None:
    # The vector's credential expired in 2025, so only its proof check is asked about here.
    name = "ecdsa/ecdsa-sd-2023/prc/derivedRevealDocument.json"
    report = (await client.post("/v1/verify", json=sample(name))).json()
    assert checks_of(report)["proof"][0] == "passed"
    assert checks_of(report)["proof"][1].startswith("ecdsa-sd-2023 signature verified with did:key:zDnae")
    report = (await client.post("/v1/verify", json=tampered(name))).json()
    assert checks_of(report)["proof"] == ("failed", "the proof does not verify: signature does not verify")
