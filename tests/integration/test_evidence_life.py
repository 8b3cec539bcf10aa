"""Evidence has a life: a revocation for assessment_invalidated or misconduct invalidates the assessments behind the
credential (in the same transaction), and an assessment older than ASSESSMENT_MAX_AGE_DAYS backs nothing.

Before: after an AIDA was revoked for assessment_invalidated, the same exam issued a new AIDA at once, and an exam
from any year counted forever.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import digest, make_aida, make_assessment, make_exam
from tests.lifecycle_helpers import transition
from verify_api.settings import load_settings

if TYPE_CHECKING:
    import asyncpg

    from tests.conftest import FakeClock, MakeApp
    from tests.factories import Client
    from verify_api.services.context import IssuerKey


@pytest.mark.parametrize("reason", ["assessment_invalidated", "misconduct"])
async def test_revoked_for_cause_the_same_exam_issues_nothing(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection, reason: str
) -> None:
    aida = await make_aida(client, admin_headers)
    assert (await transition(client, admin_headers, aida["id"], "revoke", reason)).status_code == 200
    again = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "holderId": aida["holderId"]}, headers=admin_headers
    )
    assert again.status_code == 422, again.text
    problem = again.json()
    assert problem["type"].endswith("/tier-rule-not-met")
    assert f"was invalidated ({reason})" in problem["detail"]
    invalidated = await conn.fetch("SELECT invalidated_reason, invalidated_with FROM assessments")
    assert [tuple(r) for r in invalidated] == [(reason, aida["id"])]
    # A new exam is new evidence: the holder can earn the AIDA again.
    await make_exam(client, admin_headers, aida["holderId"])
    renewed = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "holderId": aida["holderId"]}, headers=admin_headers
    )
    assert renewed.status_code == 201, renewed.text


async def test_revoked_for_other_reasons_keeps_the_evidence(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    aida = await make_aida(client, admin_headers)
    assert (await transition(client, admin_headers, aida["id"], "revoke", "issued_in_error")).status_code == 200
    assert await conn.fetchval("SELECT count(*) FROM assessments WHERE invalidated_at IS NOT NULL") == 0
    again = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "holderId": aida["holderId"]}, headers=admin_headers
    )
    assert again.status_code == 201, again.text


async def test_cpap_revoked_for_cause_invalidates_its_review_not_the_aida_exam(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    aida = await make_aida(client, admin_headers)
    await make_assessment(
        client,
        admin_headers,
        kind="deployment_review",
        holderId=aida["holderId"],
        assessorIds=["assessor-1"],
        outcome="approved",
        evidenceDigest=digest("workflow export"),
    )
    cpap = (
        await client.post("/v1/credentials", json={"tier": "CPAP", "holderId": aida["holderId"]}, headers=admin_headers)
    ).json()
    assert (await transition(client, admin_headers, cpap["id"], "revoke", "misconduct")).status_code == 200
    kinds = await conn.fetch("SELECT kind, invalidated_at IS NOT NULL AS gone FROM assessments ORDER BY kind")
    assert [tuple(r) for r in kinds] == [("deployment_review", True), ("exam", False)]
    again = await client.post(
        "/v1/credentials", json={"tier": "CPAP", "holderId": aida["holderId"]}, headers=admin_headers
    )
    assert again.status_code == 422
    assert "deployment review of" in again.json()["detail"]
    assert "invalidated (misconduct)" in again.json()["detail"]


async def test_assessment_older_than_the_max_age_backs_nothing(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, assessment_max_age_days=30)
    async with AsyncTestClient(app=make_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as client:
        holder = (await client.post("/v1/holders", json={"displayName": "Ada"}, headers=admin_headers)).json()
        await make_exam(client, admin_headers, holder["id"])
        clock.advance(days=31)
        stale = await client.post(
            "/v1/credentials", json={"tier": "AIDA", "holderId": holder["id"]}, headers=admin_headers
        )
        assert stale.status_code == 422, stale.text
        assert "is older than 30 days" in stale.json()["detail"]
        await make_exam(client, admin_headers, holder["id"])
        fresh = await client.post(
            "/v1/credentials", json={"tier": "AIDA", "holderId": holder["id"]}, headers=admin_headers
        )
        assert fresh.status_code == 201, fresh.text
