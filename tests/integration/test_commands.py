"""Command-shaped services: each write use case commits together with its follow-ups (the organisation rules it
triggers, the audit checkpoint) or not at all, and reads never write. Real app, real PostgreSQL."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg
import msgspec
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import digest, make_aida, make_cai, make_certified_cae
from tests.lifecycle_helpers import transition
from verify_api.db.pool import connect
from verify_api.services.context import ServiceContext
from verify_api.services.organization_rules import evaluate_all

if TYPE_CHECKING:
    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

Client = AsyncTestClient[Litestar]


async def _cae(client: Client, headers: dict[str, str]) -> dict[str, Any]:
    return await make_certified_cae(client, headers, name="Woodgrove Bank", review_due="2027-03-01")


async def _governance_review(client: Client, headers: dict[str, str], org_id: str) -> Any:
    body = {
        "kind": "governance_review",
        "organizationId": org_id,
        "assessorIds": ["a2"],
        "outcome": "approved",
        "nextReviewDue": "2028-03-01",
    }
    return await client.post("/v1/assessments", json=body, headers=headers)


async def _retire_in_register(database_url: str, key: IssuerKey, clock: FakeClock) -> None:
    """The register retires the key the app signs with, with no successor on disk: nothing can be signed (503)."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute("UPDATE signing_keys SET retired_at = $1 WHERE kid = $2", clock.now, key.verification_method)
    finally:
        await conn.close()


async def _scalar(database_url: str, sql: str, *args: object) -> Any:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(sql, *args)
    finally:
        await conn.close()


async def test_reinstatement_rolls_back_when_the_renewal_it_triggers_fails(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, database_url: str, issuer_key: IssuerKey
) -> None:
    org = await _cae(client, admin_headers)
    cae_id = org["credential"]["id"]
    await transition(client, admin_headers, cae_id, "suspend", "under_investigation")
    clock.advance(days=1)
    recorded = await _governance_review(client, admin_headers, org["id"])
    assert recorded.status_code == 201, recorded.text  # an operator's suspension: the rules leave it alone
    await _retire_in_register(database_url, issuer_key, clock)
    events_before = await _scalar(database_url, "SELECT count(*) FROM events")

    # Reinstating lets the rules renew the CAE on the review recorded since issuance, which needs a signature.
    response = await client.post(
        f"/v1/credentials/{cae_id}/reinstate", json={"reason": "investigation_cleared"}, headers=admin_headers
    )

    assert response.status_code == 503, response.text
    assert await _scalar(database_url, "SELECT status FROM credentials WHERE id = $1", cae_id) == "suspended"
    assert await _scalar(database_url, "SELECT count(*) FROM events") == events_before
    lookup = (await client.get(f"/v1/credentials/{cae_id}")).json()
    assert (lookup["status"], lookup["statusReason"]) == ("suspended", "under_investigation")


async def test_governance_review_is_not_recorded_when_the_renewal_it_triggers_fails(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, database_url: str, issuer_key: IssuerKey
) -> None:
    org = await _cae(client, admin_headers)
    clock.advance(days=1)
    await _retire_in_register(database_url, issuer_key, clock)
    events_before = await _scalar(database_url, "SELECT count(*) FROM events")

    response = await _governance_review(client, admin_headers, org["id"])

    assert response.status_code == 503, response.text
    reviews = "SELECT count(*) FROM assessments WHERE organization_id = $1 AND kind = 'governance_review'"
    assert await _scalar(database_url, reviews, org["id"]) == 0
    assert await _scalar(database_url, "SELECT count(*) FROM events") == events_before
    cae_status = "SELECT status FROM credentials WHERE id = $1"
    assert await _scalar(database_url, cae_status, org["credential"]["id"]) == "active"


async def test_registry_read_derives_the_rules_and_writes_nothing(
    client: Client,
    admin_headers: dict[str, str],
    clock: FakeClock,
    database_url: str,
    settings: Settings,
    issuer_key: IssuerKey,
) -> None:
    org = await make_cai(client, admin_headers)
    cai_id = org["credential"]["id"]
    unlinked = await client.delete(
        f"/v1/organizations/{org['id']}/staff/{org['staff'][0]['holderId']}", headers=admin_headers
    )
    assert unlinked.status_code == 204
    clock.advance(days=31)  # past the staff grace: the rules call for a suspension
    events_before = await _scalar(database_url, "SELECT count(*) FROM events")

    entry = (await client.get(f"/v1/organizations/{org['id']}")).json()
    search = (await client.get("/v1/organizations", params={"q": "Fabrikam"})).json()
    lookup = (await client.get(f"/v1/credentials/{cai_id}")).json()

    assert entry["credentials"][0]["status"] == "suspended"
    assert search["results"][0]["credentials"][0]["status"] == "suspended"
    assert (lookup["status"], lookup["statusReason"]) == ("suspended", "staff_below_minimum")
    assert await _scalar(database_url, "SELECT status FROM credentials WHERE id = $1", cai_id) == "active"
    assert await _scalar(database_url, "SELECT count(*) FROM events") == events_before

    # `verify-api rules evaluate` is what stores it.
    conn = await connect(database_url)
    try:
        await evaluate_all(conn, ServiceContext.for_key(settings, issuer_key, clock=clock), now=clock.now)
    finally:
        await conn.close()
    assert await _scalar(database_url, "SELECT status FROM credentials WHERE id = $1", cai_id) == "suspended"
    assert (await client.get(f"/v1/credentials/{cai_id}")).json()["status"] == "suspended"


async def test_every_write_command_commits_its_audit_checkpoint(
    make_app: MakeApp,
    settings: Settings,
    issuer_key: IssuerKey,
    clock: FakeClock,
    admin_headers: dict[str, str],
    database_url: str,
) -> None:
    app = make_app(msgspec.structs.replace(settings, audit_checkpoint_every=1), issuer_key=issuer_key, clock=clock)
    head = "SELECT max(seq) FROM events"
    newest_checkpoint = "SELECT max(seq) FROM audit_checkpoints"
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        org = await make_cai(client, admin_headers)
        newcomer = await make_aida(client, admin_headers, displayName="Newcomer")
        writes = [
            ("POST", f"/v1/organizations/{org['id']}/staff", {"holderId": newcomer["holderId"]}),
            ("DELETE", f"/v1/organizations/{org['id']}/staff/{newcomer['holderId']}", None),
            (
                "POST",
                "/v1/assessments",
                {
                    "kind": "deliverables_review",
                    "organizationId": org["id"],
                    "assessorIds": ["a3"],
                    "outcome": "approved",
                    "evidenceDigest": digest("second review"),
                },
            ),
            ("POST", f"/v1/credentials/{org['staff'][1]['id']}/suspend", {"reason": "under_investigation"}),
            ("POST", f"/v1/credentials/{org['staff'][2]['id']}/renew", {"reason": "recertified"}),
        ]
        for method, path, body in writes:
            response = await client.request(method, path, json=body, headers=admin_headers)
            assert response.status_code < 300, (path, response.text)
            assert await _scalar(database_url, newest_checkpoint) == await _scalar(database_url, head), path
