"""POST /credentials/issue cannot be abused: it never signs a PAI certification, and everything it signs is in the
register with revocation and suspension entries in the published lists, so POST /credentials/status can change it.

Before: it signed any credential (an AIDA Open Badge for anyone) with the production key, with no status entry,
so nothing it issued could ever be revoked.
"""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import BASE_URL, api_key
from tests.integration.test_vc_api import credential_v1, credential_v2, issue
from tests.lifecycle_helpers import status_bit

if TYPE_CHECKING:
    import asyncpg

    from tests.factories import Client

PAI_DID = "did:web:verify.test.example"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def open_badge_aida() -> dict[str, Any]:
    """What the PAI's own AIDA looks like, self-issued through the VC API for anyone."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", OB_CONTEXT],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": PAI_DID, "type": ["Profile"], "name": "Production AI Institute"},
        "validFrom": "2026-11-01T00:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "achievement": {
                "id": f"{BASE_URL}/v1/achievements/aida",
                "type": ["Achievement"],
                "name": "AIDA: PSF Foundations",
                "criteria": {"narrative": "none"},
            },
        },
    }


def _claim(mutate: Any) -> dict[str, Any]:
    credential = credential_v2(id="urn:uuid:0b3c8e7e-1b1e-4a4e-9b55-4b0c9d2b3f11")
    mutate(credential)
    return credential


TIER_CLAIMS: dict[str, Any] = {
    "an Open Badges AIDA": lambda: open_badge_aida(),
    "a tier type": lambda: _claim(lambda c: c.update({"type": ["VerifiableCredential", "CpapCredential"]})),
    "a tier in the subject": lambda: _claim(lambda c: c["credentialSubject"].update({"alumniOf": "CAE holder"})),
    "a tier title": lambda: _claim(lambda c: c.update({"name": "Certified AI Integrator (honorary)"})),
    "a PAI achievement URL": lambda: _claim(
        lambda c: c["credentialSubject"].update({"alumniOf": f"{BASE_URL}/v1/achievements/cpaa"})
    ),
    "an id in the PAI register's namespace": lambda: _claim(
        lambda c: c.update({"id": f"{BASE_URL}/v1/credentials/aaaaaaaaaaaaaaaaaaaaaaaaaa"})
    ),
}


@pytest.fixture
async def headers(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['issue', 'manage'])}"}


@pytest.mark.parametrize("case", list(TIER_CLAIMS))
async def test_vc_api_refuses_credentials_claiming_a_pai_tier(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection, case: str
) -> None:
    response = await client.post("/credentials/issue", json={"credential": TIER_CLAIMS[case]()}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "POST /v1/credentials" in response.json()["detail"]
    assert await conn.fetchval("SELECT count(*) FROM credentials") == 0


async def test_vc_api_refuses_a_client_chosen_status_entry(client: Client, headers: dict[str, str]) -> None:
    entry = {"id": f"{BASE_URL}/v1/status-lists/x#1", "type": "BitstringStatusListEntry", "statusPurpose": "revocation"}
    response = await client.post(
        "/credentials/issue", json={"credential": credential_v2(credentialStatus=entry)}, headers=headers
    )
    assert response.status_code == 422, response.text
    assert "assigned by this issuer" in response.json()["detail"]


async def test_vc_api_keeps_a_foreign_status_entry_and_adds_its_own(client: Client, headers: dict[str, str]) -> None:
    """VC 2.0 allows status entries of any scheme (the VCDM suite issues one); this issuer's entries are added."""
    credential = credential_v2()
    credential["@context"].append({"CredentialStatusList2017": "https://example.org/examples#CredentialStatusList2017"})
    credential["credentialStatus"] = {"id": "did:example:status", "type": "CredentialStatusList2017"}
    issued = await issue(client, headers, credential)
    assert [e["type"] for e in issued["credentialStatus"]] == [
        "CredentialStatusList2017",
        "BitstringStatusListEntry",
        "BitstringStatusListEntry",
    ]


def _status_body(credential_id: str, purpose: str, status: bool) -> dict[str, Any]:
    return {
        "credentialId": credential_id,
        "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": purpose},
        "status": status,
    }


@pytest.mark.parametrize("make", [credential_v2, credential_v1], ids=["vc2.0", "vc1.1"])
async def test_vc_api_credential_is_registered_with_status_entries_and_revocable(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection, make: Any
) -> None:
    credential = make()
    credential["id"] = "urn:uuid:5e0f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"
    issued = await issue(client, headers, credential, credentialStatus={"type": "BitstringStatusListEntry"})
    entries = issued["credentialStatus"]
    assert [(e["type"], e["statusPurpose"]) for e in entries] == [
        ("BitstringStatusListEntry", "revocation"),
        ("BitstringStatusListEntry", "suspension"),
    ]
    verified = await client.post("/credentials/verify", json={"verifiableCredential": issued})
    assert verified.status_code == 200, verified.text
    held = {"verifiableCredential": issued}
    assert await status_bit(client, held, "revocation") == 0
    row = await conn.fetchrow("SELECT kind, tier, document_id, status FROM credentials")
    assert row is not None
    assert dict(row) == {"kind": "vc_api", "tier": None, "document_id": credential["id"], "status": "active"}

    suspend = await client.post(
        "/credentials/status", json=_status_body(credential["id"], "suspension", True), headers=headers
    )
    assert suspend.status_code == 200, suspend.text
    assert await status_bit(client, held, "suspension") == 1
    reinstate = await client.post(
        "/credentials/status", json=_status_body(credential["id"], "suspension", False), headers=headers
    )
    assert reinstate.status_code == 200, reinstate.text
    assert await status_bit(client, held, "suspension") == 0
    revoke = await client.post(
        "/credentials/status", json=_status_body(credential["id"], "revocation", True), headers=headers
    )
    assert revoke.status_code == 200, revoke.text
    assert await status_bit(client, held, "revocation") == 1
    assert await conn.fetchval("SELECT status FROM credentials") == "revoked"
    undo = await client.post(
        "/credentials/status", json=_status_body(credential["id"], "revocation", False), headers=headers
    )
    assert undo.status_code == 409, undo.text


async def test_vc_api_credential_id_option_names_a_credential_without_id(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = credential_v2()
    del credential["id"]
    issued = await issue(client, headers, credential, credentialId="example.com/ad5d541f-db7a-4bff-97e1")
    assert "id" not in issued  # the VC API: credentialId identifies it without setting credential.id
    revoke = await client.post(
        "/credentials/status",
        json=_status_body("example.com/ad5d541f-db7a-4bff-97e1", "revocation", True),
        headers=headers,
    )
    assert revoke.status_code == 200, revoke.text
    assert await status_bit(client, {"verifiableCredential": issued}, "revocation") == 1


async def test_vc_api_same_credential_id_twice_is_revoked_everywhere(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    """Clients (and the W3C suites) reuse ids; a revocation by that id must reach every copy issued under it."""
    first = await issue(client, headers, credential_v2())
    second = await issue(client, headers, credential_v2())
    revoke = await client.post(
        "/credentials/status", json=_status_body(first["id"], "revocation", True), headers=headers
    )
    assert revoke.status_code == 200, revoke.text
    for copy_issued in (first, second):
        assert await status_bit(client, {"verifiableCredential": copy_issued}, "revocation") == 1
    assert [r["status"] for r in await conn.fetch("SELECT status FROM credentials")] == ["revoked", "revoked"]


async def test_vc_api_unknown_status_type_option_is_422(client: Client, headers: dict[str, str]) -> None:
    response = await client.post(
        "/credentials/issue",
        json={"credential": credential_v2(), "options": {"credentialStatus": {"type": "StatusList2021Entry"}}},
        headers=headers,
    )
    assert response.status_code == 422, response.text
    assert "BitstringStatusListEntry" in response.json()["detail"]


async def test_vc_api_register_entries_do_not_crash_lookups_or_verify(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    issued = await issue(client, headers, credential_v2())
    register_id = await conn.fetchval("SELECT id FROM credentials WHERE kind = 'vc_api'")
    for path in (f"/v1/credentials/{register_id}", f"/v1/credentials/{register_id}/vc", f"/c/{register_id}"):
        response = await client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 404, (path, response.text)
    report = await client.post("/v1/verify", json=copy.deepcopy(issued))
    assert report.status_code == 200, report.text
    revoke = await client.post(f"/v1/credentials/{register_id}/revoke", json={"reason": "misconduct"}, headers=headers)
    assert revoke.status_code == 404, revoke.text
    assert await conn.fetchval("SELECT status FROM credentials WHERE id = $1", register_id) == "active"


async def test_vc_api_issues_a_credential_already_past_its_valid_until(client: Client, headers: dict[str, str]) -> None:
    """The dates are the client's (the W3C suites issue expired credentials to test verifiers)."""
    issued = await issue(
        client, headers, credential_v2(validFrom="2020-01-01T00:00:00Z", validUntil="2021-01-01T00:00:00Z")
    )
    assert len(issued["credentialStatus"]) == 2


async def test_vc_api_register_entry_is_found_from_the_presented_credential(
    client: Client, headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    """What a verifier needs: the register entry of a VC API credential, by the status entry it was signed with."""
    from verify_api.services.verification import find_vc_api_register_entry

    issued = await issue(client, headers, credential_v2())
    entry = await find_vc_api_register_entry(conn, issued, base_url=BASE_URL)
    assert entry is not None
    assert entry.document_id == issued["id"]
    assert json.loads(entry.document) == issued
    stranger = copy.deepcopy(issued)
    stranger["credentialStatus"][0]["statusListIndex"] = "999999999"
    assert await find_vc_api_register_entry(conn, stranger, base_url=BASE_URL) is None


async def _verdicts(client: Client, issued: dict[str, Any]) -> tuple[str, int, bool]:
    report = (await client.post("/v1/verify", json=issued)).json()
    response = await client.post("/credentials/verify", json={"verifiableCredential": issued})
    return report["verdict"], response.status_code, response.json()["verified"]


async def test_vc_api_credential_verifies_by_its_register_entry_until_revoked(
    client: Client, headers: dict[str, str]
) -> None:
    """Signed with the PAI's key, so the register is decisive: the VC API's own entry (found by its signed status
    entry) makes it verify, and a revocation through POST /credentials/status fails it on every verify path."""
    credential = credential_v2()
    issued = await issue(client, headers, credential)
    assert await _verdicts(client, issued) == ("valid", 200, True)
    revoke = await client.post(
        "/credentials/status", json=_status_body(credential["id"], "revocation", True), headers=headers
    )
    assert revoke.status_code == 200, revoke.text
    assert await _verdicts(client, issued) == ("not_valid", 422, False)
    tampered = copy.deepcopy(issued)
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    verdict, status, verified = await _verdicts(client, tampered)
    assert (status, verified) == (422, False)
    assert verdict != "valid"
