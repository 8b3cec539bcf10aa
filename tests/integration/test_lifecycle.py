"""Suspend, reinstate, revoke, renew: every transition, every illegal one, and what the public sees."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import FakeClock, api_key
from tests.factories import make_aida, make_cpap, make_exam
from tests.lifecycle_helpers import transition

if TYPE_CHECKING:
    import asyncpg

Client = AsyncTestClient[Litestar]


async def _view(client: Client, credential_id: str, **params: str) -> dict[str, Any]:
    response = await client.get(f"/v1/credentials/{credential_id}", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_suspend_then_reinstate(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    response = await transition(client, admin_headers, credential["id"], "suspend", "under_investigation", note="x")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "suspended"
    view = await _view(client, credential["id"])
    assert (view["status"], view["statusReason"], view["verified"]) == ("suspended", "under_investigation", False)
    response = await transition(client, admin_headers, credential["id"], "reinstate", "investigation_cleared")
    assert response.status_code == 200, response.text
    view = await _view(client, credential["id"])
    assert (view["status"], view["statusReason"], view["verified"]) == ("active", None, True)


async def test_revoke_is_final(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    assert (await transition(client, admin_headers, credential["id"], "revoke", "misconduct")).status_code == 200
    view = await _view(client, credential["id"])
    assert (view["status"], view["statusReason"]) == ("revoked", "misconduct")
    status_check = next(c for c in view["checks"] if c["name"] == "status")
    assert status_check == {"name": "status", "result": "failed", "detail": "revoked (misconduct)"}


@pytest.mark.parametrize(
    ("setup", "action", "reason", "current"),
    [
        (["revoke"], "reinstate", "investigation_cleared", "revoked"),
        (["revoke"], "revoke", "misconduct", "revoked"),
        (["revoke"], "suspend", "under_investigation", "revoked"),
        (["revoke"], "renew", "recertified", "revoked"),
        ([], "reinstate", "investigation_cleared", "active"),
        (["suspend"], "suspend", "under_investigation", "suspended"),
        (["suspend"], "renew", "recertified", "suspended"),
        (["renew"], "suspend", "under_investigation", "superseded"),
        (["renew"], "renew", "recertified", "superseded"),
    ],
)
async def test_illegal_transition_is_conflict_naming_current_state(
    client: Client, admin_headers: dict[str, str], setup: list[str], action: str, reason: str, current: str
) -> None:
    credential = await make_aida(client, admin_headers)
    reasons = {"revoke": "misconduct", "suspend": "under_investigation", "renew": "recertified"}
    for step in setup:
        assert (await transition(client, admin_headers, credential["id"], step, reasons[step])).status_code in (
            200,
            201,
        )
    response = await transition(client, admin_headers, credential["id"], action, reason)
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert f"a credential that is {current}" in response.json()["detail"]


async def test_unknown_reason_lists_the_allowed_ones(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    response = await transition(client, admin_headers, credential["id"], "revoke", "felt_like_it")
    assert response.status_code == 422
    assert "issued_in_error, misconduct" in response.json()["detail"]


async def test_status_change_needs_manage_scope(
    client: Client, admin_headers: dict[str, str], database_url: str
) -> None:
    credential = await make_aida(client, admin_headers)
    assert (
        await client.post(f"/v1/credentials/{credential['id']}/revoke", json={"reason": "misconduct"})
    ).status_code == 401
    issuer_only = {"Authorization": f"Bearer {await api_key(database_url, ['issue'])}"}
    response = await transition(client, issuer_only, credential["id"], "revoke", "misconduct")
    assert response.status_code == 403


async def test_status_change_on_unknown_credential_is_not_found(client: Client, admin_headers: dict[str, str]) -> None:
    response = await transition(client, admin_headers, "a" * 26, "revoke", "misconduct")
    assert response.status_code == 404


async def test_status_change_rejects_unknown_fields(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    response = await transition(client, admin_headers, credential["id"], "revoke", "misconduct", when="now")
    assert response.status_code == 400
    assert "unknown field `when`" in response.json()["detail"]


async def test_renew_links_successor_and_keeps_links_resolving(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    clock.advance(days=600)
    response = await transition(client, admin_headers, credential["id"], "renew", "recertified")
    assert response.status_code == 201, response.text
    renewed = response.json()
    assert renewed["id"] != credential["id"]
    assert renewed["validFrom"] == clock.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    old = await _view(client, credential["id"])
    assert (old["status"], old["statusReason"]) == ("superseded", "recertified")
    assert old["supersededBy"] == renewed["id"]
    assert old["current"] == renewed["id"]
    # The code printed on the old badge now finds the newest credential.
    found = await client.get("/v1/lookup", params={"code": credential["verificationCode"]})
    assert found.json()["id"] == renewed["id"]
    # Renewing again chains on; the first code still resolves to the newest.
    clock.advance(days=1)
    note = "name misspelt on the exam sheet"
    third = (await transition(client, admin_headers, renewed["id"], "renew", "details_corrected", note=note)).json()
    assert (await _view(client, credential["id"]))["current"] == third["id"]
    # The renewal's note is kept (privately) on its event, as a status change's is; the public view does not show it.
    renewal = await conn.fetchval(
        "SELECT data FROM events WHERE kind = 'credential_superseded' AND credential_id = $1", renewed["id"]
    )
    assert (renewal["reason"], renewal["note"], renewal["successor"]) == ("details_corrected", note, third["id"])
    assert note not in (await client.get(f"/v1/credentials/{renewed['id']}")).text
    assert (await client.get("/v1/lookup", params={"code": credential["verificationCode"]})).json()["id"] == third["id"]


async def test_renewal_rechecks_the_tier_rule(client: Client, admin_headers: dict[str, str], clock: FakeClock) -> None:
    cpap = await make_cpap(client, admin_headers)
    assert (await transition(client, admin_headers, cpap["aida"]["id"], "revoke", "misconduct")).status_code == 200
    response = await transition(client, admin_headers, cpap["id"], "renew", "recertified")
    assert response.status_code == 422
    assert "an active AIDA credential" in response.json()["missing"]
    assert (await _view(client, cpap["id"]))["status"] == "active"  # nothing half-done


async def test_expired_suspended_revoked_superseded_stay_distinct(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    ids = [(await make_aida(client, admin_headers, displayName=f"P{n}"))["id"] for n in range(4)]
    await transition(client, admin_headers, ids[1], "suspend", "holder_request")
    await transition(client, admin_headers, ids[2], "revoke", "issued_in_error")
    await transition(client, admin_headers, ids[3], "renew", "details_corrected")
    clock.advance(days=800)
    statuses = [(await _view(client, i))["status"] for i in ids]
    assert statuses == ["expired", "suspended", "revoked", "superseded"]


async def test_revoked_prerequisite_is_reported_but_higher_tier_stays_valid(
    client: Client, admin_headers: dict[str, str]
) -> None:
    cpap = await make_cpap(client, admin_headers)
    assert (await _view(client, cpap["id"]))["notices"] == []
    await transition(client, admin_headers, cpap["aida"]["id"], "revoke", "assessment_invalidated")
    view = await _view(client, cpap["id"])
    assert view["status"] == "active"
    assert view["verified"] is True
    assert "The AIDA this CPAP builds on was revoked" in view["notices"][0]
    assert "assessment_invalidated" in view["notices"][0]


async def test_lookup_at_a_time_replays_history(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    issued = clock.now
    clock.advance(days=10)
    suspended_at = clock.now
    await transition(client, admin_headers, credential["id"], "suspend", "under_investigation")
    clock.advance(days=10)
    await transition(client, admin_headers, credential["id"], "revoke", "misconduct")
    clock.advance(days=1)
    iso = "%Y-%m-%dT%H:%M:%SZ"
    before = await _view(client, credential["id"], at=(suspended_at.replace(hour=8)).strftime(iso))
    assert (before["status"], before["verified"]) == ("active", True)
    during = await _view(client, credential["id"], at=(suspended_at.replace(hour=10)).strftime(iso))
    assert (during["status"], during["statusReason"]) == ("suspended", "under_investigation")
    assert (await _view(client, credential["id"]))["status"] == "revoked"
    too_early = await client.get(
        f"/v1/credentials/{credential['id']}", params={"at": issued.replace(hour=1).strftime(iso)}
    )
    assert too_early.status_code == 404
    assert "did not exist" in too_early.json()["detail"]
    future = await client.get(f"/v1/credentials/{credential['id']}", params={"at": "2100-01-01T00:00:00Z"})
    assert future.status_code == 422


async def test_history_lists_events_without_private_notes(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    await transition(client, admin_headers, credential["id"], "suspend", "under_investigation", note="secret detail")
    await transition(client, admin_headers, credential["id"], "reinstate", "investigation_cleared")
    response = await client.get(f"/v1/credentials/{credential['id']}/history")
    assert response.status_code == 200
    events = response.json()["events"]
    assert [(e["event"], e.get("reason")) for e in events] == [
        ("issued", None),
        ("suspended", "under_investigation"),
        ("reinstated", "investigation_cleared"),
    ]
    assert "secret detail" not in response.text
    assert (await client.get(f"/v1/credentials/{'b' * 26}/history")).status_code == 404


async def test_reissue_after_expiry_then_code_of_old_resolves_to_new(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    clock.advance(days=731)
    await make_exam(client, admin_headers, credential["holderId"])
    reissued = await client.post(
        "/v1/credentials", json={"tier": "AIDA", "holderId": credential["holderId"]}, headers=admin_headers
    )
    assert reissued.status_code == 201
    found = await client.get("/v1/lookup", params={"code": credential["verificationCode"]})
    assert found.json()["id"] == reissued.json()["id"]


async def test_the_code_of_a_twice_reissued_credential_resolves_to_the_newest_and_the_newest_to_itself(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    """db/sql/lookups.sql `by_code` walks the chain only when the coded credential has a successor: two hops are
    followed to the end, and the newest one's own code (no successor) answers itself."""
    first = await make_aida(client, admin_headers)
    chain = [first]
    for _ in range(2):
        clock.advance(days=731)
        await make_exam(client, admin_headers, first["holderId"])
        reissued = await client.post(
            "/v1/credentials", json={"tier": "AIDA", "holderId": first["holderId"]}, headers=admin_headers
        )
        assert reissued.status_code == 201, reissued.text
        chain.append(reissued.json())
    newest = chain[-1]["id"]
    for credential in chain:
        found = await client.get("/v1/lookup", params={"code": credential["verificationCode"]})
        assert found.status_code == 200, found.text
        assert found.json()["id"] == newest, credential["id"]


async def _verify_report(client: Client, credential_id: str) -> dict[str, Any]:
    document = (await client.get(f"/v1/credentials/{credential_id}/vc")).content
    response = await client.post("/v1/verify", content=document, headers={"Content-Type": "application/vc"})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def _check(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["checks"] if c["name"] == name)


async def test_presented_credential_sees_each_status_change(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    assert (await _verify_report(client, credential["id"]))["verified"] is True
    await transition(client, admin_headers, credential["id"], "suspend", "under_investigation")
    report = await _verify_report(client, credential["id"])
    assert report["verified"] is False
    assert "suspended since 2026-11-27T09:00:00+00:00 (under_investigation)" in _check(report, "status")["detail"]
    await transition(client, admin_headers, credential["id"], "reinstate", "investigation_cleared")
    assert (await _verify_report(client, credential["id"]))["verified"] is True
    await transition(client, admin_headers, credential["id"], "revoke", "misconduct")
    status = _check(await _verify_report(client, credential["id"]), "status")["detail"]
    assert "revoked since 2026-11-27T09:00:00+00:00 (misconduct)" in status


async def test_verification_report_mentions_revoked_prerequisite(client: Client, admin_headers: dict[str, str]) -> None:
    cpap = await make_cpap(client, admin_headers)
    await transition(client, admin_headers, cpap["aida"]["id"], "revoke", "assessment_invalidated")
    report = await _verify_report(client, cpap["id"])
    assert report["verified"] is True
    assert "That AIDA has since been revoked" in _check(report, "tier")["detail"]
