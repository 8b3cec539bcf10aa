"""Admin API: scoped keys, idempotent issuance, and every class of bad input as problem+json."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import api_key
from tests.factories import make_exam, make_holder
from verify_api.services.api_clients import SCOPES

if TYPE_CHECKING:
    import asyncpg

Client = AsyncTestClient[Litestar]


def assert_problem(response: Any, status: int, detail_fragment: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert detail_fragment in body["detail"], body["detail"]
    return body


async def test_admin_route_without_key_is_unauthorized(client: Client) -> None:
    response = await client.post("/v1/holders", json={"displayName": "X"})
    assert_problem(response, 401, "Authorization: Bearer")
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "token",
    ["nonsense", "paiv_000000000000_" + "A" * 43, "paiv_only-two"],
    ids=["malformed", "unknown", "short"],
)
async def test_admin_route_with_bad_key_is_unauthorized(client: Client, token: str) -> None:
    response = await client.post("/v1/holders", json={"displayName": "X"}, headers={"Authorization": f"Bearer {token}"})
    assert_problem(response, 401, "API key")


async def test_admin_route_with_tampered_secret_is_unauthorized(client: Client, database_url: str) -> None:
    secret = await api_key(database_url, ["assess"])
    tampered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    response = await client.post(
        "/v1/holders", json={"displayName": "X"}, headers={"Authorization": f"Bearer {tampered}"}
    )
    assert_problem(response, 401, "not valid")


async def test_admin_route_with_wrong_scope_is_forbidden(client: Client, database_url: str) -> None:
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess'])}"}
    holder = await make_holder(client, headers)
    response = await client.post("/v1/credentials", json={"tier": "AIDA", "holderId": holder["id"]}, headers=headers)
    assert_problem(response, 403, "'issue' scope")


async def test_every_write_route_names_a_scope(app: Litestar) -> None:
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) & {"POST", "PUT", "PATCH", "DELETE"}:
                # A write route is public only when it says so (opt={"public": True}), e.g. POST /v1/verify.
                # A scope, or a tuple of scopes any one of which admits (scoped(..., scope=("issue", "manage"))).
                scope = handler.opt.get("scope")
                scopes = scope if isinstance(scope, tuple) else (scope,)
                # A holder's own page (/me) acts for the signed-in holder: opt={"holder_session": True}.
                named = (
                    (bool(scopes) and all(s in SCOPES for s in scopes))
                    or handler.opt.get("public") is True
                    or handler.opt.get("holder_session") is True
                )
                assert named, (
                    f"{route.path}: give it opt={{'scope': ...}}, opt={{'holder_session': True}} or, if it is truly "
                    "public, opt={'public': True}"
                )


async def test_api_key_secret_is_stored_only_as_hash(conn: asyncpg.Connection, database_url: str) -> None:
    secret = await api_key(database_url, ["manage"])
    rows = await conn.fetch("SELECT * FROM api_clients")
    for row in rows:
        assert all(secret not in str(value) for value in row.values())


async def _issue(client: Client, headers: dict[str, str], body: dict[str, Any], key: str) -> Any:
    return await client.post("/v1/credentials", json=body, headers={**headers, "Idempotency-Key": key})


async def test_idempotent_retry_returns_the_same_credential(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    holder = await make_holder(client, admin_headers)
    await make_exam(client, admin_headers, holder["id"])
    body = {"tier": "AIDA", "holderId": holder["id"]}
    first = await _issue(client, admin_headers, body, "retry-1")
    second = await _issue(client, admin_headers, body, "retry-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["idempotent-replayed"] == "true"
    assert first.json()["verifiableCredential"] == second.json()["verifiableCredential"]
    assert await conn.fetchval("SELECT count(*) FROM credentials") == 1
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'credential_issued'") == 1


async def test_idempotency_key_with_another_body_is_conflict(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    await make_exam(client, admin_headers, holder["id"])
    assert (await _issue(client, admin_headers, {"tier": "AIDA", "holderId": holder["id"]}, "k")).status_code == 201
    other = {"tier": "AIDA", "holderId": holder["id"], "cryptosuite": "eddsa-jcs-2022"}
    assert_problem(await _issue(client, admin_headers, other, "k"), 409, "different request body")


async def test_concurrent_retries_issue_once(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    holder = await make_holder(client, admin_headers)
    await make_exam(client, admin_headers, holder["id"])
    body = {"tier": "AIDA", "holderId": holder["id"]}
    responses = await asyncio.gather(*(_issue(client, admin_headers, body, "burst") for _ in range(5)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert await conn.fetchval("SELECT count(*) FROM credentials") == 1


async def test_failed_issuance_leaves_nothing_behind(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    holder = await make_holder(client, admin_headers)
    response = await _issue(client, admin_headers, {"tier": "AIDA", "holderId": holder["id"]}, "fails")
    assert response.status_code == 422
    for table in ("credentials", "idempotency_keys", "status_lists"):
        assert await conn.fetchval(f"SELECT count(*) FROM {table}") == 0, table
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'credential_issued'") == 0


async def test_malformed_json_is_bad_request(client: Client, admin_headers: dict[str, str]) -> None:
    response = await client.post(
        "/v1/holders",
        content=b'{"displayName": ',
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 400, "JSON")


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        ("/v1/holders", {"displayName": 42}, "Expected `str`, got `int`"),
        ("/v1/holders", {"displayName": "Ada", "nickname": "x"}, "unknown field `nickname`"),
        ("/v1/holders", {}, "missing required field `displayName`"),
        ("/v1/holders", {"displayName": ""}, "length >= 1"),
        ("/v1/holders", {"displayName": "Ada", "email": "not-an-email"}, "email"),
        ("/v1/organizations", {"name": "X", "kind": "charity"}, "kind"),
        ("/v1/credentials", {"tier": "GOLD", "holderId": "00000000-0000-4000-8000-000000000000"}, "tier"),
        ("/v1/credentials", {"tier": "AIDA", "holderId": "not-a-uuid"}, "UUID"),
        (
            "/v1/assessments",
            {
                "kind": "exam",
                "holderId": "00000000-0000-4000-8000-000000000000",
                "score": 1,
                "maxScore": 2,
                "assessedAt": "yesterday",
            },
            "datetime",
        ),
        (
            "/v1/assessments",
            {"kind": "astrology", "holderId": "00000000-0000-4000-8000-000000000000"},
            "kind",
        ),
        (
            "/v1/assessments",
            {
                "kind": "deployment_review",
                "holderId": "00000000-0000-4000-8000-000000000000",
                "assessorIds": ["a"],
                "outcome": "approved",
                "evidenceDigest": "abc",
            },
            "evidenceDigest",
        ),
    ],
)
async def test_invalid_body_is_bad_request_with_detail(
    client: Client, admin_headers: dict[str, str], path: str, body: dict[str, Any], fragment: str
) -> None:
    response = await client.post(path, json=body, headers=admin_headers)
    assert_problem(response, 400, fragment)


async def test_semantically_invalid_assessments_are_unprocessable(
    client: Client, admin_headers: dict[str, str]
) -> None:
    holder = await make_holder(client, admin_headers)
    response = await client.post(
        "/v1/assessments",
        json={"kind": "exam", "holderId": holder["id"], "score": 11, "maxScore": 10},
        headers=admin_headers,
    )
    assert_problem(response, 422, "exceeds maxScore")
    response = await client.post(
        "/v1/assessments",
        json={
            "kind": "exam",
            "holderId": holder["id"],
            "score": 5,
            "maxScore": 10,
            "assessedAt": "2030-01-01T00:00:00Z",
        },
        headers=admin_headers,
    )
    assert_problem(response, 422, "in the future")


async def test_assessment_for_unknown_holder_is_not_found(client: Client, admin_headers: dict[str, str]) -> None:
    response = await client.post(
        "/v1/assessments",
        json={"kind": "exam", "holderId": "00000000-0000-4000-8000-000000000000", "score": 5, "maxScore": 10},
        headers=admin_headers,
    )
    assert_problem(response, 404, "holder")


async def test_oversize_body_is_rejected(client: Client, admin_headers: dict[str, str]) -> None:
    response = await client.post(
        "/v1/holders",
        content=b'{"displayName": "' + b"a" * 2_000_000 + b'"}',
        headers={**admin_headers, "Content-Type": "application/json"},
    )
    assert_problem(response, 413, "size limit")


async def test_bad_uuid_in_path_is_a_problem(client: Client, admin_headers: dict[str, str]) -> None:
    response = await client.post("/v1/organizations/not-a-uuid/staff", json={"holderId": "x"}, headers=admin_headers)
    assert response.status_code in (400, 404)
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_staff_link_to_unknown_organization_is_not_found(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    response = await client.post(
        "/v1/organizations/00000000-0000-4000-8000-000000000000/staff",
        json={"holderId": holder["id"]},
        headers=admin_headers,
    )
    assert_problem(response, 404, "organisation")


async def test_unknown_route_and_method_are_problems(client: Client) -> None:
    assert_problem(await client.get("/v1/nothing-here"), 404, "/v1/nothing-here")
    response = await client.delete("/v1/holders")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/problem+json")
