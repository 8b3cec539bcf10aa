"""ECDSA's second spelling (R, n - S) of a JWT is accepted (RFC 7518 does not forbid it; other issuers and the W3C
suites write it), and cannot pass off a PAI JWT as anything else: its high-S twin is found in the register by the
same payload, so it is the same entry with the same status, and tampering is still refused.

Before: every high-S ECDSA signature was refused as malleable, so other issuers' genuine JWTs (and the VC Data Model
2.0 suite's enveloped presentation) did not verify.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import BASE_URL, api_key
from tests.integration.test_vc_api import credential_v2
from tests.integration.test_vc_api_jwt import issue_jwt, verify
from tests.unit.test_jose import high_s
from verify_api.proofs.jws import split_compact_jws
from verify_api.proofs.jws_ecdsa import P256_ORDER
from verify_api.services.p256_keys import ensure_p256_key_file_sync
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """With the P-256 key file beside SIGNING_KEY_PATH, so the VC API signs ES256."""
    configured = load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, signing_key_path=str(tmp_path / "signing-key.pem")
    )
    ensure_p256_key_file_sync(configured)
    return configured


@pytest.fixture
async def headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['issue', 'manage'])}"}


def problems(response: Any) -> str:
    return " | ".join(p["detail"] for p in response.json()["problemDetails"])


async def test_the_high_s_twin_of_a_pai_jwt_is_the_same_register_entry_and_status(
    client: Client, headers: dict[str, str]
) -> None:
    token = await issue_jwt(client, headers, credential_v2(), alg="ES256")
    twin = high_s(token)
    assert twin != token
    assert int.from_bytes(split_compact_jws(twin).signature[32:], "big") > P256_ORDER // 2
    assert split_compact_jws(twin).payload == split_compact_jws(token).payload

    for spelling in (token, twin):
        response = await verify(client, spelling)
        assert response.status_code == 200, response.text
        assert response.json()["verified"] is True
        report = await client.post("/v1/verify", content=spelling, headers={"Content-Type": "application/vc+jwt"})
        register = next(c for c in report.json()["checks"] if c["name"] == "register")
        assert register["result"] == "passed", register
        assert "matches the credential the PAI's VC API issued" in register["detail"]

    revoke = {
        "credentialId": split_compact_jws(token).payload["id"],
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
        "status": True,
    }
    assert (await client.post("/credentials/status", json=revoke, headers=headers)).status_code == 200
    for spelling in (token, twin):
        response = await verify(client, spelling)
        assert response.status_code == 422, response.text
        assert "revoked" in problems(response)
        report = await client.post("/v1/verify", content=spelling, headers={"Content-Type": "application/vc+jwt"})
        assert report.json()["verified"] is False
        status = next(c for c in report.json()["checks"] if c["name"] == "status")
        assert status["result"] == "failed"
        assert "revoked" in status["detail"]


async def test_a_high_s_signature_over_another_payload_is_refused(client: Client, headers: dict[str, str]) -> None:
    token = await issue_jwt(client, headers, credential_v2(), alg="ES256")
    other = await issue_jwt(client, headers, credential_v2(id="urn:uuid:0b3c8e7e-1b1e-4a4e-9b55-4b0c9d2b3f99"))
    header, _, signature = high_s(token).split(".")
    response = await verify(client, f"{header}.{other.split('.')[1]}.{signature}")
    assert response.status_code == 422
    assert "signature" in problems(response)
