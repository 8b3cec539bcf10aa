"""CAI staff and CAE governance rules under an injected clock: evaluated on read, after writes, and by the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import make_aida, make_assessment, make_cai, make_certified_cae
from tests.lifecycle_helpers import transition

if TYPE_CHECKING:
    from tests.conftest import FakeClock

Client = AsyncTestClient[Litestar]


async def _entry(client: Client, org_id: str) -> dict[str, Any]:
    response = await client.get(f"/v1/organizations/{org_id}")
    assert response.status_code == 200, response.text
    entry: dict[str, Any] = response.json()
    return entry


async def test_cai_at_risk_at_once_then_suspended_after_grace(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    org = await make_cai(client, admin_headers)
    staff = org["staff"]
    assert (await _entry(client, org["id"]))["standing"] is None
    clock.advance(days=2)
    lost_at = clock.now
    await transition(client, admin_headers, staff[0]["id"], "revoke", "misconduct")
    entry = await _entry(client, org["id"])
    assert entry["standing"]["atRisk"] is True
    assert entry["standing"]["reason"] == "staff_below_minimum"
    assert entry["standing"]["since"] == lost_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert entry["standing"]["detail"] == "2 of the required 3 staff hold an active AIDA"
    assert entry["credentials"][0]["status"] == "active"
    clock.advance(days=29)
    assert (await _entry(client, org["id"]))["credentials"][0]["status"] == "active"
    clock.advance(days=1, seconds=1)
    entry = await _entry(client, org["id"])
    assert entry["credentials"][0]["status"] == "suspended"
    assert entry["certificationStatus"] == "not certified"
    lookup = (await client.get(f"/v1/credentials/{org['credential']['id']}")).json()
    assert (lookup["status"], lookup["statusReason"]) == ("suspended", "staff_below_minimum")


async def test_cai_recovers_when_staff_count_returns(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    org = await make_cai(client, admin_headers)
    staff = org["staff"]
    await client.delete(f"/v1/organizations/{org['id']}/staff/{staff[0]['holderId']}", headers=admin_headers)
    clock.advance(days=31)
    assert (await _entry(client, org["id"]))["credentials"][0]["status"] == "suspended"
    newcomer = await make_aida(client, admin_headers, displayName="Newcomer")
    response = await client.post(
        f"/v1/organizations/{org['id']}/staff", json={"holderId": newcomer["holderId"]}, headers=admin_headers
    )
    assert response.status_code == 201
    entry = await _entry(client, org["id"])
    assert entry["credentials"][0]["status"] == "active"
    assert entry["standing"] is None


async def test_cai_shortfall_from_expiry_counts_from_the_expiry_date(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    org = await make_cai(client, admin_headers)
    # Every staff AIDA expires after 730 days; nobody looks at the registry until much later.
    clock.advance(days=740)
    entry = await _entry(client, org["id"])
    assert entry["standing"]["since"].startswith("2028-11-26")  # the expiry date, not the day of the read


async def _cae(client: Client, headers: dict[str, str], due: str) -> dict[str, Any]:
    return await make_certified_cae(client, headers, name="Woodgrove Bank", review_due=due)


async def test_cae_suspended_when_review_overdue_beyond_grace_and_reinstated_by_review(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    org = await _cae(client, admin_headers, "2027-03-01")
    clock.now = clock.now.replace(year=2027, month=3, day=10)
    entry = await _entry(client, org["id"])
    assert entry["standing"]["reason"] == "governance_review_overdue"
    assert entry["credentials"][0]["status"] == "active"  # within the 30-day grace
    clock.now = clock.now.replace(month=4, day=1)
    entry = await _entry(client, org["id"])
    assert entry["credentials"][0]["status"] == "suspended"
    await make_assessment(
        client,
        admin_headers,
        kind="governance_review",
        organizationId=org["id"],
        assessorIds=["a2"],
        outcome="approved",
        nextReviewDue="2028-03-01",
    )
    entry = await _entry(client, org["id"])
    current = [c for c in entry["credentials"] if c["status"] == "active"]
    assert len(current) == 1
    assert current[0]["validUntil"].startswith("2028-03-31")
    assert entry["standing"] is None
    old = (await client.get(f"/v1/credentials/{org['credential']['id']}")).json()
    assert old["status"] == "superseded"
    assert old["current"] == current[0]["id"]


async def test_operator_suspension_is_not_lifted_by_rules(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    org = await make_cai(client, admin_headers)
    await transition(client, admin_headers, org["credential"]["id"], "suspend", "under_investigation")
    clock.advance(days=1)
    entry = await _entry(client, org["id"])
    assert entry["credentials"][0]["status"] == "suspended"
