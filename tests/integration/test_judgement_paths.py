"""The path x state table (issue 8, section 1): every path that answers for a stored PAI credential gives the
answer the one judgement gives, for every state.

Each state is built through the real API (and, for a key compromise, `declare_key_compromised`); then every path
is asked, the cheap read-only ones first, so no read can have written the answer another read gives. The test
compares the whole row at once, so a failure lists every path that disagrees.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import digest, make_aida, make_assessment, make_cai, make_organization
from tests.lifecycle_helpers import status_bit, transition
from verify_api.db.pool import connect
from verify_api.proofs.keys import generate_signer
from verify_api.services.context import IssuerKey
from verify_api.services.key_rotation import declare_key_compromised

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from tests.conftest import FakeClock, MakeApp
    from tests.factories import Client
    from verify_api.settings import Settings


class Expected(msgspec.Struct, frozen=True):
    status: str
    reason: str | None
    valid: bool
    revocation_bit: int
    suspension_bit: int


# One answer per state. "valid" is the only state in which any path may say yes.
EXPECTED: dict[str, Expected] = {
    "valid": Expected("active", None, True, 0, 0),
    "expired": Expected("expired", None, False, 0, 0),
    "suspended": Expected("suspended", "holder_request", False, 0, 1),
    "revoked": Expected("revoked", "misconduct", False, 1, 0),
    "superseded": Expected("superseded", "recertified", False, 1, 0),
    "key_compromised": Expected("revoked", "key_compromise", False, 1, 0),
    "cai_inside_staff_grace": Expected("active", None, True, 0, 0),
    "cai_past_staff_grace": Expected("suspended", "staff_below_minimum", False, 0, 1),
}


async def _valid(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    return await make_aida(client, headers, displayName="Subject Person")


async def _expired(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    subject = await _valid(client, headers, clock)
    clock.advance(days=731)  # AIDA_VALIDITY_DAYS is 730
    return subject


async def _suspended(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    subject = await _valid(client, headers, clock)
    assert (await transition(client, headers, subject["id"], "suspend", "holder_request")).status_code == 200
    return subject


async def _revoked(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    subject = await _valid(client, headers, clock)
    assert (await transition(client, headers, subject["id"], "revoke", "misconduct")).status_code == 200
    return subject


async def _superseded(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    subject = await _valid(client, headers, clock)
    clock.advance(days=1)
    renewed = await transition(client, headers, subject["id"], "renew", "recertified")
    assert renewed.status_code in (200, 201), renewed.text
    successor = (await client.get(f"/v1/credentials/{subject['id']}")).json()["supersededBy"]
    # With its successor revoked, the superseded credential is the holder's only AIDA: whether the tier rules and
    # staff counts count it is then the question the row asks.
    assert (await transition(client, headers, successor, "revoke", "misconduct")).status_code == 200
    subject["successor"] = successor
    return subject


async def _key_compromised(client: Client, headers: dict[str, str], clock: FakeClock) -> dict[str, Any]:
    subject = await _valid(client, headers, clock)
    document = json.loads((await client.get(f"/v1/credentials/{subject['id']}/vc")).content)
    subject["compromise"] = {"kid": document["proof"]["verificationMethod"], "since": clock.now - timedelta(minutes=1)}
    clock.advance(hours=1)
    return subject


async def _cai_short_of_staff(
    client: Client, headers: dict[str, str], clock: FakeClock, *, days: int
) -> dict[str, Any]:
    org = await make_cai(client, headers)
    gone = org["staff"][0]["holderId"]
    assert (await client.delete(f"/v1/organizations/{org['id']}/staff/{gone}", headers=headers)).status_code == 204
    # Nobody looks meanwhile: past the grace (30 days) it ends unobserved, so no read or rule run stored anything.
    clock.advance(days=days)
    subject: dict[str, Any] = org["credential"]
    subject["organizationId"] = org["id"]
    return subject


SETUP: dict[str, Callable[[Client, dict[str, str], FakeClock], Awaitable[dict[str, Any]]]] = {
    "valid": _valid,
    "expired": _expired,
    "suspended": _suspended,
    "revoked": _revoked,
    "superseded": _superseded,
    "key_compromised": _key_compromised,
    "cai_inside_staff_grace": lambda client, headers, clock: _cai_short_of_staff(client, headers, clock, days=29),
    "cai_past_staff_grace": lambda client, headers, clock: _cai_short_of_staff(client, headers, clock, days=31),
}


async def _cpap_on_top(client: Client, headers: dict[str, str], holder_id: str) -> int:
    await make_assessment(
        client,
        headers,
        kind="deployment_review",
        holderId=holder_id,
        assessorIds=["assessor-1"],
        outcome="approved",
        evidenceDigest=digest("deployment"),
    )
    response = await client.post("/v1/credentials", json={"tier": "CPAP", "holderId": holder_id}, headers=headers)
    return response.status_code


async def _counted_as_cai_staff(client: Client, headers: dict[str, str], holder_id: str) -> bool:
    """A consultancy with the subject and two people holding valid AIDAs: a CAI (minimum 3) issues iff the
    subject's AIDA is counted."""
    org = await make_organization(client, headers, name="Counting Consultancy")
    holders = [holder_id] + [
        (await make_aida(client, headers, displayName=f"Colleague {n}"))["holderId"] for n in range(2)
    ]
    for holder in holders:
        linked = await client.post(f"/v1/organizations/{org['id']}/staff", json={"holderId": holder}, headers=headers)
        assert linked.status_code == 201, linked.text
    await make_assessment(
        client,
        headers,
        kind="deliverables_review",
        organizationId=org["id"],
        assessorIds=["a1"],
        outcome="approved",
        evidenceDigest=digest("deliverables"),
    )
    response = await client.post("/v1/credentials", json={"tier": "CAI", "organizationId": org["id"]}, headers=headers)
    assert response.status_code in (201, 422), response.text
    return response.status_code == 201


def _lookup_answer(view: dict[str, Any]) -> tuple[str, str | None, bool]:
    return view["status"], view.get("statusReason"), view["verified"]


async def ask_every_path(client: Client, headers: dict[str, str], subject: dict[str, Any]) -> dict[str, Any]:
    credential_id = subject["id"]
    answers: dict[str, Any] = {}
    code = subject["verificationCode"]
    by_code = await client.get("/v1/lookup", params={"code": code})
    assert by_code.status_code == 200, by_code.text
    found = by_code.json()
    which = (
        "subject" if found["id"] == credential_id else "successor" if found["id"] == subject.get("successor") else "?"
    )
    answers["GET /v1/lookup?code="] = (which, *_lookup_answer(found))
    answers["status list bits"] = (
        await status_bit(client, subject, "revocation"),
        await status_bit(client, subject, "suspension"),
    )
    svg = (await client.get(f"/v1/credentials/{credential_id}/badge.svg")).text
    drawn = re.search(r"Status: (\w+)\.", svg)
    answers["badge.svg"] = (drawn.group(1) if drawn else None, "Offline check" in svg)
    page = (await client.get(f"/c/{credential_id}")).text
    shown = re.search(r'data-status="(\w+)"', page)
    answers["/c/{id}"] = shown.group(1) if shown else None
    document = (await client.get(f"/v1/credentials/{credential_id}/vc")).content
    report = await client.post("/v1/verify", content=document, headers={"Content-Type": "application/vc"})
    answers["POST /v1/verify"] = report.json()["verified"]
    vc_api = await client.post("/credentials/verify", json={"verifiableCredential": json.loads(document)})
    answers["POST /credentials/verify"] = vc_api.status_code == 200 and vc_api.json()["verified"] is True
    if "organizationId" in subject:
        entry = (await client.get(f"/v1/organizations/{subject['organizationId']}")).json()
        listed = next(c for c in entry["credentials"] if c["id"] == credential_id)
        answers["registry"] = (listed["status"], entry["certificationStatus"])
    answers["GET /v1/credentials/{id}"] = _lookup_answer((await client.get(f"/v1/credentials/{credential_id}")).json())
    if "holderId" in subject:  # writes come last: they create other credentials, never change this one
        answers["CPAP issuance on it"] = await _cpap_on_top(client, headers, subject["holderId"])
        answers["CAI staff count"] = await _counted_as_cai_staff(client, headers, subject["holderId"])
    return answers


def expected_answers(state: str, subject: dict[str, Any]) -> dict[str, Any]:
    e = EXPECTED[state]
    lookup = (e.status, e.reason, e.valid)
    answers: dict[str, Any] = {
        # A code printed for a renewed credential finds the newest in its chain (README "Renewal").
        "GET /v1/lookup?code=": ("successor", "revoked", "misconduct", False)
        if state == "superseded"
        else ("subject", *lookup),
        "status list bits": (e.revocation_bit, e.suspension_bit),
        "badge.svg": (e.status, e.valid),  # the status drawn; the offline QR only while valid
        "/c/{id}": e.status,
        "POST /v1/verify": e.valid,
        "POST /credentials/verify": e.valid,
    }
    if "organizationId" in subject:
        answers["registry"] = (e.status, "certified" if e.valid else "not certified")
    answers["GET /v1/credentials/{id}"] = lookup
    if "holderId" in subject:
        answers["CPAP issuance on it"] = 201 if e.valid else 422
        answers["CAI staff count"] = e.valid
    return answers


@pytest.mark.parametrize("state", list(EXPECTED))
async def test_every_path_gives_the_judgement_for_every_state(
    make_app: MakeApp,
    state: str,
    settings: Settings,
    issuer_key: IssuerKey,
    clock: FakeClock,
    database_url: str,
    admin_headers: dict[str, str],
) -> None:
    async with AsyncTestClient(app=make_app(settings, issuer_key=issuer_key, clock=clock), base_url=BASE_URL) as c:
        subject = await SETUP[state](c, admin_headers, clock)
    serving = issuer_key
    if "compromise" in subject:
        conn = await connect(database_url)
        try:
            await declare_key_compromised(
                conn, subject["compromise"]["kid"], since=subject["compromise"]["since"], now=clock.now
            )
        finally:
            await conn.close()
        serving = IssuerKey.for_settings(generate_signer(), settings)  # the server restarted on the rotated key
    async with AsyncTestClient(app=make_app(settings, issuer_key=serving, clock=clock), base_url=BASE_URL) as c:
        answers = await ask_every_path(c, admin_headers, subject)
    assert answers == expected_answers(state, subject)
