"""Changing PUBLIC_BASE_URL after first use is a migration of identity (README "Changing PUBLIC_BASE_URL"): start-up
succeeds, the key is published under the new did:web beside its old kid, and credentials issued under the old
origin still verify as the PAI's; a compromise of the key reaches them under either kid."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, FakeClock, api_key
from tests.factories import make_aida
from tests.served_app import serve_app
from verify_api.db.pool import connect
from verify_api.db.signing_keys import SigningKeys
from verify_api.proofs.keys import generate_signer, private_key_pem
from verify_api.services.key_rotation import declare_key_compromised
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from pathlib import Path

    from tests.conftest import MakeApp

NEW_BASE_URL = "https://credentials.test.example"


def _settings(database_url: str, key_path: Path, base_url: str) -> Settings:
    return load_settings({}, database_url=database_url, public_base_url=base_url, signing_key_path=str(key_path))


async def test_changing_public_base_url_keeps_old_credentials_ours(
    make_app: MakeApp, tmp_path: Path, clock: FakeClock, database_url: str
) -> None:
    key_path = tmp_path / "signing-key.pem"
    key_path.write_bytes(private_key_pem(generate_signer(), None))
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    old = _settings(database_url, key_path, BASE_URL)
    async with AsyncTestClient(app=make_app(old, clock=clock), base_url=BASE_URL) as client:
        before = await make_aida(client, headers)
        old_document = (await client.get(f"/v1/credentials/{before['id']}/vc")).content
    old_kid = json.loads(old_document)["proof"]["verificationMethod"]
    assert old_kid.startswith("did:web:verify.test.example#")

    clock.advance(days=1)
    new = _settings(database_url, key_path, NEW_BASE_URL)
    async with AsyncTestClient(app=make_app(new, clock=clock), base_url=NEW_BASE_URL) as client:  # no crash
        assert (await client.get(f"/v1/credentials/{before['id']}")).json()["verified"] is True
        report = (
            await client.post("/v1/verify", content=old_document, headers={"Content-Type": "application/vc"})
        ).json()
        assert report["verified"] is True, report
        issuer = next(c for c in report["checks"] if c["name"] == "issuer")
        assert issuer["result"] == "passed", issuer
        assert "did:web:verify.test.example#" in issuer["detail"]
        after = await make_aida(client, headers, displayName="Grace Hopper")
        new_document = (await client.get(f"/v1/credentials/{after['id']}/vc")).content
        new_kid = json.loads(new_document)["proof"]["verificationMethod"]
        assert new_kid == old_kid.replace("did:web:verify.test.example", "did:web:credentials.test.example")
        did = (await client.get("/.well-known/did.json")).json()
        assert did["id"] == "did:web:credentials.test.example"
        methods = {m["id"]: m for m in did["verificationMethod"]}
        assert set(methods) == {old_kid, new_kid}  # the old DID's kid stays published: the key's DID history
        assert methods[new_kid]["created"] == methods[old_kid]["created"]  # one key, one window

    conn = await connect(database_url)
    try:  # the key is compromised once, under its new kid: the credential signed under the old kid goes too
        outcome = await declare_key_compromised(conn, new_kid, since=clock.now - timedelta(days=2), now=clock.now)
        keys = await SigningKeys(conn).list_all()
    finally:
        await conn.close()
    assert {c.id for c in outcome.invalidated} == {before["id"], after["id"]}
    assert {k.kid for k in keys if k.compromised_since is not None} == {old_kid, new_kid}


@pytest.mark.usefixtures("template_database")
def test_serve_after_public_base_url_change_starts_and_warns_of_a_port_mismatch(
    database_url: str, tmp_path: Path
) -> None:
    """The crash of issue 10, through the real `serve`: first run under one origin, then under another (whose port
    is not the one served on, which is a loud warning, not an error)."""
    with serve_app(database_url, tmp_path) as first:
        key = first.env["SIGNING_KEY_PATH"]
    second = tmp_path / "second"
    second.mkdir()
    with serve_app(database_url, second, PUBLIC_BASE_URL="http://127.0.0.1:1", SIGNING_KEY_PATH=key) as app:
        log = app.log_path.read_text()
    assert "UniqueViolationError" not in log
    assert "WARNING" in log
    assert "PUBLIC_BASE_URL http://127.0.0.1:1 names port 1 of this machine but serve listens on" in log
