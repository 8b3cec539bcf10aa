"""API keys through the admin API and the CLI: create with expiry, list with last use, revoke, rotate; revoked and
expired keys get 401 saying so; last use is written at most once a minute; each change is an audit event."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.integration.test_admin_api import assert_problem
from verify_api.cli.main import main

if TYPE_CHECKING:
    import asyncpg
    import pytest

    from tests.conftest import FakeClock

Client = AsyncTestClient[Litestar]


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


async def create_key(client: Client, admin_headers: dict[str, str], **body: Any) -> dict[str, Any]:
    body.setdefault("name", "integration")
    body.setdefault("scopes", ["assess"])
    response = await client.post("/v1/api-keys", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def use(client: Client, secret: str) -> Any:
    return await client.post("/v1/holders", json={"displayName": "Ada"}, headers=bearer(secret))


async def test_created_key_works_and_is_listed_without_its_secret(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    created = await create_key(client, admin_headers, name="ci", scopes=["assess", "issue"])
    secret = created["secret"]
    assert secret.startswith(f"paiv_{created['apiKey']['prefix']}_")
    assert created["apiKey"]["status"] == "active"
    assert created["apiKey"]["lastUsedAt"] is None
    assert (await use(client, secret)).status_code == 201

    listing = await client.get("/v1/api-keys", headers=admin_headers)
    assert listing.status_code == 200, listing.text
    assert secret not in listing.text
    keys = {k["id"]: k for k in listing.json()["apiKeys"]}
    mine = keys[created["apiKey"]["id"]]
    assert mine["name"] == "ci"
    assert mine["scopes"] == ["assess", "issue"]
    assert mine["lastUsedAt"] == clock.now.isoformat().replace("+00:00", "Z")


async def test_last_use_is_written_at_most_once_a_minute(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, clock: FakeClock
) -> None:
    secret = (await create_key(client, admin_headers))["secret"]
    first_use = clock.now
    assert (await use(client, secret)).status_code == 201
    row_version = "SELECT xmin::text FROM api_clients WHERE name = 'integration'"  # any UPDATE changes it
    before = await conn.fetchval(row_version)
    clock.advance(seconds=59)
    for _ in range(5):
        assert (await use(client, secret)).status_code == 201
    assert await conn.fetchval(row_version) == before  # five uses within the minute: no write
    assert await conn.fetchval("SELECT last_used_at FROM api_clients WHERE name = 'integration'") == first_use
    clock.advance(seconds=1)
    assert (await use(client, secret)).status_code == 201
    assert await conn.fetchval("SELECT last_used_at FROM api_clients WHERE name = 'integration'") == clock.now


async def test_expired_key_is_refused_with_a_detail_that_says_so(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    expires = clock.now + timedelta(hours=1)
    created = await create_key(client, admin_headers, expiresAt=expires.isoformat())
    assert created["apiKey"]["expiresAt"] == expires.isoformat().replace("+00:00", "Z")
    assert (await use(client, created["secret"])).status_code == 201
    clock.advance(hours=1)
    assert_problem(await use(client, created["secret"]), 401, "the API key expired at 2026-11-27T10:00:00+00:00")
    listed = (await client.get("/v1/api-keys", headers=admin_headers)).json()["apiKeys"]
    assert [k["status"] for k in listed if k["id"] == created["apiKey"]["id"]] == ["expired"]

    # Rotating an expired key needs a new expiry; with one, the new secret works again.
    rotate = f"/v1/api-keys/{created['apiKey']['id']}/rotate"
    assert_problem(await client.post(rotate, json={}, headers=admin_headers), 409, "give a new expiresAt")
    later = (clock.now + timedelta(days=30)).isoformat()
    rotated = await client.post(rotate, json={"expiresAt": later}, headers=admin_headers)
    assert rotated.status_code == 200, rotated.text
    assert (await use(client, rotated.json()["secret"])).status_code == 201


async def test_expiry_in_the_past_or_without_zone_is_refused(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    past = (clock.now - timedelta(seconds=1)).isoformat()
    body = {"name": "x", "scopes": ["assess"], "expiresAt": past}
    assert_problem(await client.post("/v1/api-keys", json=body, headers=admin_headers), 422, "in the future")
    body["expiresAt"] = "2027-01-01T00:00:00"
    response = await client.post("/v1/api-keys", json=body, headers=admin_headers)
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith("application/problem+json")
    body = {"name": "x", "scopes": ["root"]}
    response = await client.post("/v1/api-keys", json=body, headers=admin_headers)
    assert 400 <= response.status_code < 500


async def test_revoked_key_is_refused_and_cannot_be_revoked_again(
    client: Client, admin_headers: dict[str, str]
) -> None:
    created = await create_key(client, admin_headers)
    revoke = f"/v1/api-keys/{created['apiKey']['id']}/revoke"
    response = await client.post(revoke, headers=admin_headers)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "revoked"
    assert_problem(await use(client, created["secret"]), 401, "the API key was revoked at")
    assert_problem(await client.post(revoke, headers=admin_headers), 409, "it was revoked at")
    rotate = f"/v1/api-keys/{created['apiKey']['id']}/rotate"
    assert_problem(await client.post(rotate, json={}, headers=admin_headers), 409, "cannot rotate")


async def test_rotation_replaces_the_secret_at_once_and_keeps_the_key(
    client: Client, admin_headers: dict[str, str]
) -> None:
    created = await create_key(client, admin_headers, scopes=["assess", "manage"])
    key_id = created["apiKey"]["id"]
    response = await client.post(f"/v1/api-keys/{key_id}/rotate", json={}, headers=admin_headers)
    assert response.status_code == 200, response.text
    rotated = response.json()
    assert rotated["apiKey"]["id"] == key_id
    assert rotated["apiKey"]["scopes"] == ["assess", "manage"]
    assert rotated["apiKey"]["rotatedAt"] is not None
    assert rotated["secret"] != created["secret"]
    assert_problem(await use(client, created["secret"]), 401, "not valid")
    assert (await use(client, rotated["secret"])).status_code == 201


async def test_unknown_key_id_is_not_found_and_keys_need_the_manage_scope(
    client: Client, admin_headers: dict[str, str]
) -> None:
    unknown = "/v1/api-keys/00000000-0000-4000-8000-000000000000/revoke"
    assert_problem(await client.post(unknown, headers=admin_headers), 404, "no API key has the id")
    weak = (await create_key(client, admin_headers, scopes=["issue"]))["secret"]
    assert_problem(await client.get("/v1/api-keys", headers=bearer(weak)), 403, "'manage' scope")


async def test_key_changes_are_audit_events_without_secrets(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    created = await create_key(client, admin_headers)
    key_id = created["apiKey"]["id"]
    rotated = (await client.post(f"/v1/api-keys/{key_id}/rotate", json={}, headers=admin_headers)).json()
    await client.post(f"/v1/api-keys/{key_id}/revoke", headers=admin_headers)
    rows = await conn.fetch("SELECT kind, actor, data::text AS data FROM events WHERE data->>'apiKeyId' = $1", key_id)
    assert [r["kind"] for r in rows] == ["api_key_created", "api_key_rotated", "api_key_revoked"]
    actor = await conn.fetchval("SELECT id FROM api_clients WHERE name = 'test-assess-issue-manage'")
    assert {r["actor"] for r in rows} == {actor}
    assert not any(s in r["data"] for r in rows for s in (created["secret"], rotated["secret"]))


def test_cli_creates_lists_rotates_and_revokes(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    monkeypatch.setenv("DATABASE_URL", database_url)
    assert main(["api-keys", "create", "--name", "deploy-bot", "--scopes", "issue", "--expires-in-days", "30"]) == 0
    secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert secret.startswith("paiv_")
    assert main(["api-keys", "list"]) == 0
    out = capsys.readouterr().out
    assert secret not in out
    (listed,) = [k for k in json.loads(out) if k["name"] == "deploy-bot"]
    assert listed["status"] == "active"
    assert listed["expires"] is not None
    assert listed["lastUsed"] is None

    assert main(["api-keys", "rotate", listed["id"]]) == 0
    new_secret = capsys.readouterr().out.strip().splitlines()[-1]
    assert new_secret.startswith("paiv_")
    assert new_secret != secret
    assert main(["api-keys", "revoke", listed["id"]]) == 0
    assert "revoked API key 'deploy-bot'" in capsys.readouterr().out
    assert main(["api-keys", "revoke", listed["id"]]) == 2
    assert "it was revoked at" in capsys.readouterr().err
    assert main(["api-keys", "list"]) == 0
    (listed,) = [k for k in json.loads(capsys.readouterr().out) if k["name"] == "deploy-bot"]
    assert listed["status"] == "revoked"
