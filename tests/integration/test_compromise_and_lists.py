"""Key compromise as state (and `keys reissue`), superseded credentials in the published lists, and status lists
that our own verifier accepts, current and historical, after a rotation too."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, FakeClock, api_key
from tests.factories import make_aida
from tests.lifecycle_helpers import status_bit, status_entry, transition
from verify_api.app import create_app
from verify_api.cli.main import main
from verify_api.db.pool import connect
from verify_api.proofs.keys import generate_signer, load_signer, private_key_pem
from verify_api.services.context import IssuerKey
from verify_api.services.key_rotation import declare_key_compromised
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from tests.factories import Client

PAI_DID = "did:web:verify.test.example"


async def _verify(client: Client, body: bytes) -> dict[str, Any]:
    response = await client.post("/v1/verify", content=body, headers={"Content-Type": "application/vc"})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def test_key_compromise_is_written_as_revocation_in_one_transaction(
    settings: Settings, issuer_key: IssuerKey, clock: FakeClock, database_url: str, admin_headers: dict[str, str]
) -> None:
    async with AsyncTestClient(app=create_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        early = await make_aida(c, admin_headers, displayName="Signed Before")
        since = clock.advance(hours=1)
        late = await make_aida(c, admin_headers, displayName="Signed After")
        suspended = await make_aida(c, admin_headers, displayName="Suspended After")
        await transition(c, admin_headers, suspended["id"], "suspend", "holder_request")
    conn = await connect(database_url)
    try:
        versions = {r["id"]: r["version"] for r in await conn.fetch("SELECT id, version FROM status_lists")}
        outcome = await declare_key_compromised(conn, issuer_key.verification_method, since=since, now=clock.now)
        rows = {
            r["id"]: (r["status"], r["status_reason"])
            for r in await conn.fetch("SELECT id, status, status_reason FROM credentials")
        }
        events = await conn.fetch(
            "SELECT credential_id, data ->> 'reason' AS reason FROM events WHERE kind = 'credential_revoked'"
        )
        after = {r["id"]: r["version"] for r in await conn.fetch("SELECT id, version FROM status_lists")}
    finally:
        await conn.close()
    assert {c.id for c in outcome.invalidated} == {late["id"], suspended["id"]}
    assert rows[early["id"]] == ("active", None)
    assert rows[late["id"]] == ("revoked", "key_compromise")
    assert rows[suspended["id"]] == ("revoked", "key_compromise")
    assert sorted((e["credential_id"], e["reason"]) for e in events) == sorted(
        [(late["id"], "key_compromise"), (suspended["id"], "key_compromise")]
    )
    assert all(after[list_id] > version for list_id, version in versions.items())  # every list held one of them


@pytest.fixture
def key_file_settings(tmp_path: Path, database_url: str) -> Settings:
    path = tmp_path / "signing-key.pem"
    path.write_bytes(private_key_pem(generate_signer(), None))
    return load_settings({}, database_url=database_url, public_base_url=BASE_URL, signing_key_path=str(path))


def test_cli_keys_reissue_replaces_compromised_credentials_under_the_new_key(
    key_file_settings: Settings,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio
    from pathlib import Path

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    key_path = Path(key_file_settings.signing_key_path or "")
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    old_kid = f"{PAI_DID}#{load_signer(key_path.read_bytes(), None, source='test').public_key_multibase}"
    clock = FakeClock(datetime(2026, 11, 27, 9, 0, tzinfo=UTC))

    async def issue_two() -> tuple[dict[str, Any], dict[str, Any]]:
        headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
        async with AsyncTestClient(app=create_app(key_file_settings, clock=clock), base_url=BASE_URL) as client:
            aida = await make_aida(client, headers)
            other = await make_aida(client, headers, displayName="Grace Hopper")
        return aida, other

    aida, other = asyncio.run(issue_two())
    assert main(["keys", "compromise", old_kid, "--since", "2026-11-01T00:00:00Z"]) == 0
    assert "2 credential(s) signed at or after that time are revoked (key_compromise)" in capsys.readouterr().out
    new_kid = f"{PAI_DID}#{load_signer(key_path.read_bytes(), None, source='test').public_key_multibase}"
    assert main(["keys", "reissue"]) == 0
    out = capsys.readouterr().out
    assert f"re-issuing under {new_kid}:" in out
    replaced = dict(line.strip().split(" AIDA -> ") for line in out.splitlines() if " AIDA -> " in line)
    assert set(replaced) == {aida["id"], other["id"]}
    assert "2 credential(s) re-issued, 0 not" in out
    assert main(["keys", "reissue"]) == 0  # idempotent: nothing is left without a replacement
    assert "0 credential(s) re-issued, 0 not" in capsys.readouterr().out

    async def check() -> None:
        clock.now = datetime.now(UTC)
        settings = load_settings(
            {}, database_url=database_url, public_base_url=BASE_URL, signing_key_path=str(key_path)
        )
        async with AsyncTestClient(app=create_app(settings, clock=clock), base_url=BASE_URL) as client:
            old = (await client.get(f"/v1/credentials/{aida['id']}")).json()
            assert (old["status"], old["statusReason"], old["verified"]) == ("revoked", "key_compromise", False)
            new = (await client.get(f"/v1/credentials/{replaced[aida['id']]}")).json()
            assert (new["status"], new["verified"]) == ("active", True), new
            document = json.loads((await client.get(f"/v1/credentials/{new['id']}/vc")).content)
            assert document["proof"]["verificationMethod"] == new_kid
            # The old printed code finds the replacement (linked as its successor).
            by_code = (await client.get("/v1/lookup", params={"code": aida["verificationCode"]})).json()
            assert by_code["id"] == new["id"]

    asyncio.run(check())


async def test_superseded_credential_is_marked_in_current_and_historical_lists(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    before = clock.advance(hours=1)
    clock.advance(hours=1)
    assert (await transition(client, admin_headers, credential["id"], "renew", "recertified")).status_code in (200, 201)
    after = clock.advance(hours=1)
    clock.advance(hours=1)
    assert await status_bit(client, credential, "revocation") == 1
    assert await status_bit(client, credential, "revocation", timestamp=before.strftime("%Y-%m-%dT%H:%M:%SZ")) == 0
    assert await status_bit(client, credential, "revocation", timestamp=after.strftime("%Y-%m-%dT%H:%M:%SZ")) == 1
    assert await status_bit(client, credential, "suspension") == 0


async def test_status_lists_verify_with_our_own_verifier_current_and_historical_after_a_rotation(
    settings: Settings, issuer_key: IssuerKey, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    async with AsyncTestClient(app=create_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        credential = await make_aida(c, admin_headers)
        before = clock.advance(hours=1)
        clock.advance(hours=1)
        await transition(c, admin_headers, credential["id"], "revoke", "misconduct")
    clock.advance(days=1)
    # A server that started later on another key: its key came into service after every change the lists hold.
    rotated = IssuerKey.for_settings(generate_signer(), settings)
    async with AsyncTestClient(app=create_app(settings, issuer_key=rotated, clock=clock), base_url=BASE_URL) as c:
        for purpose in ("revocation", "suspension"):
            path = status_entry(credential, purpose)["statusListCredential"].removeprefix(BASE_URL)
            for params in ({}, {"timestamp": before.strftime("%Y-%m-%dT%H:%M:%SZ")}):
                listing = await c.get(path, params=params)
                assert listing.status_code == 200
                report = await _verify(c, listing.content)
                failed = [(k["name"], k["detail"]) for k in report["checks"] if k["result"] != "passed"]
                assert report["verified"] is True, (purpose, params, failed)
                assert report["issuer"]["classification"] == "pai"


async def test_key_compromise_also_revokes_vc_api_register_entries(
    settings: Settings, issuer_key: IssuerKey, clock: FakeClock, database_url: str, admin_headers: dict[str, str]
) -> None:
    """A VC API credential the key signed is in the register too: the declaration must revoke it, not roll back."""
    issue_headers = {"Authorization": f"Bearer {await api_key(database_url, ['issue'])}"}
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": PAI_DID,
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    async with AsyncTestClient(app=create_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        since = clock.advance(hours=1)
        aida = await make_aida(c, admin_headers, displayName="Signed After")
        response = await c.post("/credentials/issue", json={"credential": credential}, headers=issue_headers)
        assert response.status_code == 201, response.text
    conn = await connect(database_url)
    try:
        await declare_key_compromised(conn, issuer_key.verification_method, since=since, now=clock.now)
        rows = {
            r["kind"]: (r["status"], r["status_reason"])
            for r in await conn.fetch("SELECT kind, status, status_reason FROM credentials")
        }
    finally:
        await conn.close()
    assert rows == {"certification": ("revoked", "key_compromise"), "vc_api": ("revoked", "key_compromise")}
    assert aida["id"]
