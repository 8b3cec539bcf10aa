"""Key rotation and compromise: old credentials keep verifying after a rotation; after a compromise exactly the
credentials signed at or after the declared time fail, in the lookup and in POST /v1/verify alike."""

from __future__ import annotations

import json
import stat
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, FakeClock, api_key
from tests.factories import make_aida
from verify_api.cli.main import main
from verify_api.db.pool import connect
from verify_api.errors import SigningKeyError, SigningKeyStateError
from verify_api.proofs.keys import generate_signer, load_signer, private_key_pem
from verify_api.services.key_history import history_path
from verify_api.services.key_rotation import declare_key_compromised, rotate_signing_key
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import MakeApp
    from tests.factories import Client

PAI_DID = "did:web:verify.test.example"


@pytest.fixture
def key_settings(tmp_path: Path, database_url: str) -> Settings:
    path = tmp_path / "signing-key.pem"
    path.write_bytes(private_key_pem(generate_signer(), None))
    return load_settings({}, database_url=database_url, public_base_url=BASE_URL, signing_key_path=str(path))


async def verify_document(client: Client, credential_id: str) -> dict[str, Any]:
    document = (await client.get(f"/v1/credentials/{credential_id}/vc")).content
    response = await client.post("/v1/verify", content=document, headers={"Content-Type": "application/vc"})
    assert response.status_code == 200
    report: dict[str, Any] = response.json()
    return report


async def lookup(client: Client, credential_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/credentials/{credential_id}")
    assert response.status_code == 200
    view: dict[str, Any] = response.json()
    return view


async def rotate(key_settings: Settings, clock: FakeClock) -> Any:
    conn = await connect(key_settings.database_url or "")
    try:
        return await rotate_signing_key(conn, key_settings, _path(key_settings), now=clock.advance(days=1))
    finally:
        await conn.close()


def _path(settings: Settings) -> Path:
    from pathlib import Path

    return Path(settings.signing_key_path or "")


async def test_key_rotation_keeps_old_credentials_valid(
    make_app: MakeApp, key_settings: Settings, clock: FakeClock, database_url: str
) -> None:
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    old_pem = _path(key_settings).read_bytes()
    async with AsyncTestClient(app=make_app(key_settings, clock=clock), base_url=BASE_URL) as client:
        before = await make_aida(client, headers)
    leftover = _path(key_settings).with_name("signing-key.retired-20261101T000000Z-abcdefgh.pem")
    leftover.write_bytes(private_key_pem(generate_signer(), None))  # what earlier versions kept beside the key
    rotation = await rotate(key_settings, clock)
    assert rotation.removed == [leftover]
    # The retired private key is gone: nothing beside the active key holds its bytes; only the public key remains.
    # Beside the key only its public-key history (services/key_history.py) remains, and it holds no private key.
    beside = sorted(p for p in _path(key_settings).parent.iterdir() if p.is_file())
    assert beside == sorted([_path(key_settings), history_path(_path(key_settings))])
    assert all(p.read_bytes() != old_pem for p in beside)
    assert b"PRIVATE" not in history_path(_path(key_settings)).read_bytes()
    assert stat.S_IMODE(_path(key_settings).stat().st_mode) == 0o600
    new_signer = load_signer(_path(key_settings).read_bytes(), None, source="test")
    assert rotation.new_kid == f"{PAI_DID}#{new_signer.public_key_multibase}"

    async with AsyncTestClient(app=make_app(key_settings, clock=clock), base_url=BASE_URL) as client:
        assert (await lookup(client, before["id"]))["verified"] is True
        report = await verify_document(client, before["id"])
        assert report["verified"] is True, report
        after = await make_aida(client, headers, displayName="Grace Hopper")
        document = json.loads((await client.get(f"/v1/credentials/{after['id']}/vc")).content)
        assert document["proof"]["verificationMethod"] == rotation.new_kid
        assert (await verify_document(client, after["id"]))["verified"] is True
        did = (await client.get("/.well-known/did.json")).json()
        methods = {m["id"]: m for m in did["verificationMethod"]}
        assert methods[rotation.old_kid]["retired"] == clock.now.isoformat()
        assert "retired" not in methods[rotation.new_kid]
        jwks = (await client.get("/.well-known/jwks.json")).json()
        assert {k["kid"] for k in jwks["keys"]} == {rotation.old_kid, rotation.new_kid}

    retired_path = _path(key_settings).with_name("kept-by-hand.pem")
    retired_path.write_bytes(old_pem)
    retired_settings = load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, signing_key_path=str(retired_path)
    )
    # The test client runs the lifespan in a task group, which wraps the start-up error.
    with pytest.RaisesGroup(pytest.RaisesExc(SigningKeyError, match="was retired on"), flatten_subgroups=True):
        async with AsyncTestClient(app=make_app(retired_settings, clock=clock), base_url=BASE_URL):
            pass


async def test_key_compromise_fails_credentials_signed_after_since(
    make_app: MakeApp, key_settings: Settings, clock: FakeClock, database_url: str
) -> None:
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    async with AsyncTestClient(app=make_app(key_settings, clock=clock), base_url=BASE_URL) as client:
        early = await make_aida(client, headers)
        clock.advance(hours=2)
        late = await make_aida(client, headers, displayName="Grace Hopper")
        kid = json.loads((await client.get(f"/v1/credentials/{early['id']}/vc")).content)["proof"]["verificationMethod"]
    await rotate(key_settings, clock)
    conn = await connect(database_url)
    try:
        since = clock.now - timedelta(days=1, hours=1)  # between the two issuances
        outcome = await declare_key_compromised(conn, kid, since=since, now=clock.now)
        with pytest.raises(SigningKeyStateError, match="no signing key has kid"):
            await declare_key_compromised(conn, "did:web:nope#z6Mk", since=since, now=clock.now)
    finally:
        await conn.close()
    assert [c.id for c in outcome.invalidated] == [late["id"]]
    assert [c.id for c in outcome.to_reissue] == [early["id"]]

    async with AsyncTestClient(app=make_app(key_settings, clock=clock), base_url=BASE_URL) as client:
        assert (await lookup(client, early["id"]))["verified"] is True
        assert (await verify_document(client, early["id"]))["verified"] is True
        view = await lookup(client, late["id"])
        assert view["verified"] is False
        assert any("compromised" in c["detail"] for c in view["checks"] if c["result"] == "failed")
        report = await verify_document(client, late["id"])
        issuer = next(c for c in report["checks"] if c["name"] == "issuer")
        assert issuer["result"] == "failed"
        assert "declared compromised since" in issuer["detail"]
        did = (await client.get("/.well-known/did.json")).json()
        assert any(m["id"] == kid and "revoked" in m for m in did["verificationMethod"])


def test_cli_keys_rotate_and_compromise(
    key_settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", key_settings.database_url or "")
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(_path(key_settings)))
    old = load_signer(_path(key_settings).read_bytes(), None, source="test")
    old_kid = f"{PAI_DID}#{old.public_key_multibase}"
    assert main(["keys", "rotate"]) == 0
    out = capsys.readouterr().out
    assert f"retired: {old_kid}" in out
    assert "the retired private key was deleted" in out
    new = load_signer(_path(key_settings).read_bytes(), None, source="test")
    new_kid = f"{PAI_DID}#{new.public_key_multibase}"
    assert main(["keys", "compromise", new_kid, "--since", "2020-01-01T00:00:00Z"]) == 0
    out = capsys.readouterr().out
    assert f"{new_kid} was the active key: rotated to" in out
    assert "0 credential(s) signed at or after that time" in out
    assert main(["keys", "compromise", old_kid, "--since", "2020-01-01T00:00:00"]) == 2


async def test_rotation_takes_effect_without_restart(
    make_app: MakeApp, key_settings: Settings, clock: FakeClock, database_url: str
) -> None:
    """The served app notices `keys rotate` before it next signs: the next credential names the new key (before,
    it kept signing with the retired key and answered 201 for credentials broken from birth)."""
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    async with AsyncTestClient(app=make_app(key_settings, clock=clock), base_url=BASE_URL) as client:
        before = await make_aida(client, headers)
        rotation = await rotate(key_settings, clock)
        after = await make_aida(client, headers, displayName="Grace Hopper")
        document = json.loads((await client.get(f"/v1/credentials/{after['id']}/vc")).content)
        assert document["proof"]["verificationMethod"] == rotation.new_kid
        assert (await lookup(client, after["id"]))["verified"] is True
        assert (await verify_document(client, after["id"]))["verified"] is True
        assert (await lookup(client, before["id"]))["verified"] is True
        issued = await client.post(
            "/credentials/issue",
            json={"credential": _plain_credential(), "options": {}},
            headers=headers,
        )
        assert issued.status_code == 201, issued.text
        assert issued.json()["verifiableCredential"]["proof"]["verificationMethod"] == rotation.new_kid
        status_list_url = document["credentialStatus"][0]["statusListCredential"]
        status_list = await client.get(status_list_url.removeprefix(BASE_URL))
        assert json.loads(status_list.content)["proof"]["verificationMethod"] == rotation.new_kid


async def test_compromised_key_without_successor_is_503_never_201(
    make_app: MakeApp, key_settings: Settings, clock: FakeClock, database_url: str
) -> None:
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    async with AsyncTestClient(app=make_app(key_settings, clock=clock), base_url=BASE_URL) as client:
        first = await make_aida(client, headers)
        first_document = json.loads((await client.get(f"/v1/credentials/{first['id']}/vc")).content)
        kid = first_document["proof"]["verificationMethod"]
        list_path = first_document["credentialStatus"][0]["statusListCredential"].removeprefix(BASE_URL)
        assert (await client.get(list_path)).status_code == 200  # signed and cached while the key was good
        conn = await connect(database_url)
        try:
            await declare_key_compromised(conn, kid, since=clock.now, now=clock.advance(minutes=1))
        finally:
            await conn.close()
        holder = (await client.post("/v1/holders", json={"displayName": "Grace Hopper"}, headers=headers)).json()
        exam = {"kind": "exam", "holderId": holder["id"], "score": 90, "maxScore": 100}
        assert (await client.post("/v1/assessments", json=exam, headers=headers)).status_code == 201
        for path, body in (
            ("/v1/credentials", {"tier": "AIDA", "holderId": holder["id"]}),
            ("/credentials/issue", {"credential": _plain_credential()}),
        ):
            response = await client.post(path, json=body, headers=headers)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            assert "signing key is unavailable" in response.json()["detail"]
        assert (await client.get(list_path)).status_code == 503  # not even the cached copy


def _plain_credential() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": PAI_DID,
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
