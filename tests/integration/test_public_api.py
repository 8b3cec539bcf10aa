"""Public answers: lookup, the signed document, verification codes, the registry, keys and health."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida, make_cai, make_organization
from verify_api.domain.codes import format_verification_code
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey

Client = AsyncTestClient[Litestar]


async def test_lookup_answers_what_an_employer_needs(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper", email="grace@example.org")
    body = (await client.get(f"/v1/credentials/{credential['id']}")).json()
    assert body["id"] == credential["id"]
    assert body["url"] == f"https://verify.test.example/v1/credentials/{credential['id']}"
    assert body["tier"] == "AIDA"
    assert body["status"] == "active"
    assert body["subject"] == {"name": "Grace Hopper", "kind": "person"}
    assert body["issuer"] == {"id": "did:web:verify.test.example", "name": "Production AI Institute"}
    assert body["verificationCode"] == credential["verificationCode"]
    assert body["validFrom"] == "2026-11-27T09:00:00Z"
    assert body["validUntil"] == "2028-11-26T09:00:00Z"
    assert [c["name"] for c in body["checks"]] == ["proof", "signing key", "validity period", "status"]
    assert all(c["result"] == "passed" for c in body["checks"])
    assert body["verified"] is True


async def test_public_answers_reveal_no_private_data(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, email="secret.person@example.org")
    for path in (f"/v1/credentials/{credential['id']}", f"/v1/credentials/{credential['id']}/vc"):
        text = (await client.get(path)).text
        assert "secret.person" not in text
        assert credential["holderId"] not in text


async def test_lookup_after_expiry_says_expired(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    clock.advance(days=731)
    body = (await client.get(f"/v1/credentials/{credential['id']}")).json()
    assert body["status"] == "expired"
    assert body["verified"] is False
    validity = next(c for c in body["checks"] if c["name"] == "validity period")
    assert validity["result"] == "failed"


@pytest.mark.parametrize("credential_id", ["aaaaaaaaaaaaaaaaaaaaaaaaaa", "../etc/passwd", "1", "A" * 200])
async def test_unknown_credential_is_not_found(client: Client, credential_id: str) -> None:
    response = await client.get(f"/v1/credentials/{credential_id}")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"].startswith(("no credential", "nothing is served"))


async def test_signed_document_is_served_byte_for_byte(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    stored = await conn.fetchval("SELECT document FROM credentials WHERE id = $1", credential["id"])
    response = await client.get(f"/v1/credentials/{credential['id']}/vc")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vc")
    assert response.content == bytes(stored)


async def test_lookup_by_code_tolerates_formatting(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    code = credential["verificationCode"]
    for typed in (code, code.lower(), code.replace("-", ""), code.replace("PAI-", "").replace("-", " ")):
        response = await client.get("/v1/lookup", params={"code": typed})
        assert response.status_code == 200, typed
        assert response.json()["id"] == credential["id"]


async def test_lookup_by_mistyped_code_is_unprocessable(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    code = credential["verificationCode"]
    data = code.replace("PAI-", "").replace("-", "")[:-1]
    swapped = data[0] + ("X" if data[1] != "X" else "Y") + data[2:]
    response = await client.get("/v1/lookup", params={"code": code[:-1] + ("0" if code[-1] != "0" else "1")})
    assert response.status_code == 422
    assert "mistyped" in response.json()["detail"]
    response = await client.get("/v1/lookup", params={"code": swapped + code[-1]})
    assert response.status_code == 422


async def test_lookup_by_wellformed_unknown_code_is_not_found(client: Client) -> None:
    response = await client.get("/v1/lookup", params={"code": format_verification_code("00000000")})
    assert response.status_code == 404


async def test_lookup_without_code_is_bad_request(client: Client) -> None:
    response = await client.get("/v1/lookup")
    assert response.status_code == 400
    assert "code" in response.json()["detail"]


async def test_registry_search_finds_certified_organisations(client: Client, admin_headers: dict[str, str]) -> None:
    certified = await make_cai(client, admin_headers, "Northwind Integrators")
    await make_organization(client, admin_headers, name="Northwind Uncertified")
    body = (await client.get("/v1/organizations", params={"q": "northwind"})).json()
    assert [r["name"] for r in body["results"]] == ["Northwind Integrators"]
    entry = body["results"][0]
    assert entry["certificationStatus"] == "certified"
    assert entry["credentials"][0]["tier"] == "CAI"
    assert entry["credentials"][0]["status"] == "active"
    single = (await client.get(f"/v1/organizations/{certified['id']}")).json()
    assert single["id"] == certified["id"]


async def test_registry_search_treats_wildcards_literally(client: Client, admin_headers: dict[str, str]) -> None:
    await make_cai(client, admin_headers, "Contoso AI")
    assert (await client.get("/v1/organizations", params={"q": "%"})).json()["results"] == []
    assert len((await client.get("/v1/organizations", params={"q": ""})).json()["results"]) == 1


async def test_registry_hides_uncertified_organisations(client: Client, admin_headers: dict[str, str]) -> None:
    org = await make_organization(client, admin_headers)
    assert (await client.get(f"/v1/organizations/{org['id']}")).status_code == 404


async def test_did_document_and_jwks_publish_the_signing_key(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    method = credential["verifiableCredential"]["proof"]["verificationMethod"]
    did = (await client.get("/.well-known/did.json")).json()
    assert did["id"] == "did:web:verify.test.example"
    assert method in did["assertionMethod"]
    vm = next(v for v in did["verificationMethod"] if v["id"] == method)
    assert vm["type"] == "Multikey"
    assert vm["publicKeyMultibase"].startswith("z6Mk")
    jwks = (await client.get("/.well-known/jwks.json")).json()
    assert jwks["keys"][0]["kty"] == "OKP"
    assert jwks["keys"][0]["crv"] == "Ed25519"
    assert "d" not in jwks["keys"][0]


async def test_health_reports_database(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "reachable"}


async def test_health_without_database_is_unavailable(
    client: Client, database_server_url: str, database_url: str
) -> None:
    admin = await asyncpg.connect(database_server_url)
    try:
        name = database_url.rsplit("/", 1)[1]
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
        response = await client.get("/health")
        assert response.status_code == 503
        assert response.json()["database"] == "unreachable"
    finally:
        await admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        await admin.close()


async def test_lookup_by_code_is_rate_limited(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock
) -> None:
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, verify_rate_limit_per_minute=3)
    async with AsyncTestClient(app=make_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as client:
        code = format_verification_code("00000000")
        for _ in range(3):
            assert (await client.get("/v1/lookup", params={"code": code})).status_code == 404
        limited = await client.get("/v1/lookup", params={"code": code})
        assert limited.status_code == 429
        assert limited.headers["content-type"].startswith("application/problem+json")
        assert (await client.get(f"/v1/credentials/{'a' * 26}")).status_code == 404  # lookups by id are not limited
