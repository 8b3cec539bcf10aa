"""Staff reads (issue 11): holders by e-mail, tolerant name and code; a holder with everything on record; the
register by tier, status, organisation and dates; the pending queue; organisations by standing. Cursor pages
neither repeat nor skip while rows are inserted; every read needs the `assess` or `manage` scope."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import api_key
from tests.factories import digest, issue, make_aida, make_assessment, make_cai, make_cpap, make_exam, make_holder
from tests.lifecycle_helpers import transition

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from tests.conftest import FakeClock

    Client = AsyncTestClient[Litestar]

UNRELATED = [
    "Adam Smith",
    "Adalbert Stifter",
    "Canada Dryden",
    "Grace Hopper",
    "Charles Babbage",
    "Mary Somerville",
    "Lovisa Åhrberg",
    "Alan Turing",
    "Dada Lovett",
    "Augusta Byron",
    "Grace Lovelace",  # shares a word: "lovelace ada" must still find Ada alone
]


async def get_json(client: Client, path: str, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def holder_names(client: Client, headers: dict[str, str], **params: Any) -> list[str]:
    page = await get_json(client, "/v1/holders", headers, **params)
    return [h["displayName"] for h in page["holders"]]


@pytest.fixture
async def people(client: Client, admin_headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    found = {"ada": await make_holder(client, admin_headers, displayName="Ada Lovelace", email="Ada@Example.org")}
    for name in UNRELATED:
        found[name] = await make_holder(client, admin_headers, displayName=name)
    return found


@pytest.mark.parametrize(
    "query",
    ["lovelace ada", "Adà", "ADA LOVELACE", "ada lovelase", "Lovelace, Ada", "ada love"],
    ids=["word-order", "accent", "case", "typo", "punctuation", "partial"],
)
async def test_name_search_finds_ada_first(
    client: Client, admin_headers: dict[str, str], people: dict[str, Any], query: str
) -> None:
    found = await holder_names(client, admin_headers, name=query)
    assert found[0] == "Ada Lovelace", found
    assert not {"Grace Hopper", "Charles Babbage", "Alan Turing", "Mary Somerville"} & set(found)


async def test_name_search_keeps_unrelated_holders_out(
    client: Client, admin_headers: dict[str, str], people: dict[str, Any]
) -> None:
    assert await holder_names(client, admin_headers, name="lovelace ada") == ["Ada Lovelace"]
    assert await holder_names(client, admin_headers, name="Hopper Grace") == ["Grace Hopper"]
    assert await holder_names(client, admin_headers, name="lovisa ahrberg") == ["Lovisa Åhrberg"]
    assert await holder_names(client, admin_headers, name="100%_") == []  # LIKE wildcards are literal


async def test_holders_by_email_ignore_case_but_match_exactly(
    client: Client, admin_headers: dict[str, str], people: dict[str, Any]
) -> None:
    page = await get_json(client, "/v1/holders", admin_headers, email="ada@EXAMPLE.org")
    assert [h["id"] for h in page["holders"]] == [people["ada"]["id"]]
    assert page["holders"][0]["email"] == "Ada@Example.org"  # staff see the e-mail
    assert await holder_names(client, admin_headers, email="ada@example.or") == []
    assert await holder_names(client, admin_headers, email="ada@example.org", name="Grace") == []


async def test_holders_by_verification_code(client: Client, admin_headers: dict[str, str]) -> None:
    aida = await make_aida(client, admin_headers, displayName="Kathleen Booth")
    await make_holder(client, admin_headers, displayName="Someone Else")
    typed = aida["verificationCode"].lower().replace("-", " ")
    page = await get_json(client, "/v1/holders", admin_headers, code=typed)
    assert [h["id"] for h in page["holders"]] == [aida["holderId"]]
    response = await client.get("/v1/holders", params={"code": "PAI-0000"}, headers=admin_headers)
    assert response.status_code == 422
    assert "verification code" in response.json()["detail"]


async def collect(
    client: Client, path: str, headers: dict[str, str], key: str, during: Any = None, **params: Any
) -> list[dict[str, Any]]:
    """Every entry over all pages, following `next`, calling `during()` between pages."""
    seen: list[dict[str, Any]] = []
    page = await get_json(client, path, headers, **params)
    while True:
        seen.extend(page[key])
        if page["next"] is None:
            assert page["nextCursor"] is None
            return seen
        assert page["next"].startswith("https://verify.test.example/v1/")
        if during is not None:
            await during()
        response = await client.get(page["next"].removeprefix("https://verify.test.example"), headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()


@pytest.mark.parametrize("params", [{}, {"name": "ada lovelace"}], ids=["newest-first", "by-name"])
async def test_holder_pages_neither_repeat_nor_skip_while_rows_are_inserted(
    client: Client, admin_headers: dict[str, str], clock: FakeClock, params: dict[str, str]
) -> None:
    original = set()
    for n in range(7):
        original.add((await make_holder(client, admin_headers, displayName=f"Ada Lovelace {n}"))["id"])
        clock.advance(seconds=1 if n % 2 else 0)  # some share a creation time: the id breaks the tie
    added = 0

    async def insert() -> None:
        nonlocal added
        added += 1
        await make_holder(client, admin_headers, displayName=f"Ada Lovelace {100 + added}")

    seen = [h["id"] for h in await collect(client, "/v1/holders", admin_headers, "holders", insert, limit=3, **params)]
    assert len(seen) == len(set(seen)), "an entry came twice"
    assert original <= set(seen), "an entry was skipped"
    assert added >= 2


async def test_cursor_and_limit_are_checked(client: Client, admin_headers: dict[str, str]) -> None:
    for n in range(3):
        await make_holder(client, admin_headers, displayName=f"Person {n}")
    page = await get_json(client, "/v1/holders", admin_headers, limit=2)
    assert len(page["holders"]) == 2
    other = await client.get("/v1/holders", params={"cursor": page["nextCursor"], "name": "x"}, headers=admin_headers)
    assert other.status_code == 422
    assert "other filters" in other.json()["detail"]
    for bad in ("garbage!", "eyJ2IjoxfQ"):
        response = await client.get("/v1/holders", params={"cursor": bad}, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert "start again without it" in response.json()["detail"]
    assert (await client.get("/v1/holders", params={"limit": 0}, headers=admin_headers)).status_code == 400
    assert (await client.get("/v1/holders", params={"limit": 101}, headers=admin_headers)).status_code == 400


@pytest.mark.parametrize(
    "path",
    ["/v1/holders", "/v1/credentials", "/v1/assessments/pending", "/v1/organization-standings"],
)
async def test_staff_reads_need_assess_or_manage(client: Client, database_url: str, path: str) -> None:
    issue_only = {"Authorization": f"Bearer {await api_key(database_url, ['issue'])}"}
    refused = await client.get(path, headers=issue_only)
    assert refused.status_code == 403
    assert "'assess' or 'manage' scope" in refused.json()["detail"]
    assert 'scope="assess manage"' in refused.headers["www-authenticate"]
    assert (await client.get(path)).status_code == 401
    for scopes in (["assess"], ["manage"]):
        headers = {"Authorization": f"Bearer {await api_key(database_url, scopes)}"}
        assert (await client.get(path, headers=headers)).status_code == 200


async def test_holder_overview_has_credentials_judged_and_assessments(
    client: Client, admin_headers: dict[str, str]
) -> None:
    cpap = await make_cpap(client, admin_headers)
    await transition(client, admin_headers, cpap["aida"]["id"], "suspend", "under_investigation")
    view = await get_json(client, f"/v1/holders/{cpap['holderId']}", admin_headers)
    assert view["holder"]["displayName"] == "Ada Lovelace"
    judged = {c["id"]: (c["tier"], c["status"], c["statusReason"]) for c in view["credentials"]}
    assert judged == {
        cpap["aida"]["id"]: ("AIDA", "suspended", "under_investigation"),
        cpap["id"]: ("CPAP", "active", None),
    }
    assessments = {a["kind"]: a for a in view["assessments"]}
    assert set(assessments) == {"deployment_review", "exam"}
    assert assessments["exam"]["details"]["score"] == 85
    assert view["outdatedNames"] == []
    missing = await client.get("/v1/holders/00000000-0000-4000-8000-000000000000", headers=admin_headers)
    assert missing.status_code == 404


async def credential_ids(client: Client, headers: dict[str, str], **params: Any) -> list[str]:
    return [c["id"] for c in await collect(client, "/v1/credentials", headers, "credentials", **params)]


async def test_register_filters_by_tier_status_organisation_and_dates(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    first = await make_aida(client, admin_headers, displayName="First")  # issued 2026-11-27
    clock.advance(days=10)
    cai = await make_cai(client, admin_headers)  # three AIDAs and a CAI, 2026-12-07
    clock.advance(days=10)
    suspended = await make_aida(client, admin_headers, displayName="Suspended")
    revoked = await make_aida(client, admin_headers, displayName="Revoked")
    renewed = await make_aida(client, admin_headers, displayName="Renewed")
    await transition(client, admin_headers, suspended["id"], "suspend", "holder_request")
    await transition(client, admin_headers, revoked["id"], "revoke", "issued_in_error")
    clock.advance(seconds=1)
    successor = (await transition(client, admin_headers, renewed["id"], "renew", "recertified")).json()
    staff = [s["id"] for s in cai["staff"]]

    everything = await credential_ids(client, admin_headers, limit=2)
    assert len(everything) == len(set(everything)) == 9
    assert everything[0] == successor["id"]  # newest first
    assert await credential_ids(client, admin_headers, tier="CAI") == [cai["credential"]["id"]]
    assert await credential_ids(client, admin_headers, organizationId=cai["id"]) == [cai["credential"]["id"]]
    assert await credential_ids(client, admin_headers, status="suspended") == [suspended["id"]]
    assert await credential_ids(client, admin_headers, status="revoked") == [revoked["id"]]
    assert await credential_ids(client, admin_headers, status="superseded") == [renewed["id"]]
    window = {"issuedFrom": "2026-12-01T00:00:00Z", "issuedBefore": "2026-12-10T00:00:00Z"}
    assert set(await credential_ids(client, admin_headers, **window)) == {*staff, cai["credential"]["id"]}
    # An AIDA lasts 730 days, a CAI 365: the first AIDA and the CAI expire before 2028-12-01.
    expiring = await credential_ids(client, admin_headers, expiresBefore="2028-12-01T00:00:00Z")
    assert set(expiring) == {first["id"], cai["credential"]["id"]}
    late = {"expiresFrom": "2028-12-01T00:00:00Z", "expiresBefore": "2028-12-10T00:00:00Z"}
    assert set(await credential_ids(client, admin_headers, **late)) == set(staff)
    clock.advance(days=712)  # 2028-11-28: the first AIDA and the CAI have expired, the later AIDAs have not
    assert set(await credential_ids(client, admin_headers, status="expired")) == {first["id"], cai["credential"]["id"]}
    active = await credential_ids(client, admin_headers, status="active", tier="AIDA")
    assert set(active) == {*staff, successor["id"]}
    bad = await client.get(
        "/v1/credentials", params={**window, "issuedFrom": "2027-01-01T00:00:00Z"}, headers=admin_headers
    )
    assert bad.status_code == 422
    assert "issuedFrom` must be before `issuedBefore" in bad.json()["detail"]


async def test_status_filter_pages_are_complete_across_short_pages(
    client: Client, admin_headers: dict[str, str]
) -> None:
    ids = [(await make_aida(client, admin_headers, displayName=f"P{n}"))["id"] for n in range(6)]
    for credential_id in ids[::2]:
        await transition(client, admin_headers, credential_id, "suspend", "holder_request")
    found = await credential_ids(client, admin_headers, status="suspended", limit=1)
    assert sorted(found) == sorted(ids[::2])


async def pending(client: Client, headers: dict[str, str], **params: Any) -> list[tuple[str, str]]:
    entries = await collect(client, "/v1/assessments/pending", headers, "pending", **params)
    return [(e["subjectName"], e["tier"]) for e in entries]


async def test_pending_queue_lists_what_the_tier_rules_would_issue(
    client: Client, admin_headers: dict[str, str]
) -> None:
    passed = await make_holder(client, admin_headers, displayName="Passed Exam")
    exam = await make_exam(client, admin_headers, passed["id"])
    failed = await make_holder(client, admin_headers, displayName="Failed Exam")
    await make_exam(client, admin_headers, failed["id"], score=40)
    issued = await make_aida(client, admin_headers, displayName="Already Issued")
    reviewed = await make_aida(client, admin_headers, displayName="Reviewed")
    await make_assessment(
        client,
        admin_headers,
        kind="deployment_review",
        holderId=reviewed["holderId"],
        assessorIds=["a1"],
        outcome="approved",
        evidenceDigest=digest("deployment"),
    )
    queue = await pending(client, admin_headers, limit=1)
    # The queue is ordered by when the evidence was recorded, then by subject id; the test clock gives both holders'
    # evidence one instant, so their order is the ids' (random): compare the entries, paged one at a time.
    assert sorted(queue) == [("Passed Exam", "AIDA"), ("Reviewed", "CPAP")]
    assert len(queue) == 2
    assert ("Already Issued", "AIDA") not in queue
    first = await get_json(client, "/v1/assessments/pending", admin_headers, tier="AIDA")
    assert first["pending"][0]["assessmentIds"] == [exam["id"]]
    assert await pending(client, admin_headers, tier="CPAP") == [("Reviewed", "CPAP")]
    # Issuing it takes it off the queue.
    await issue(client, admin_headers, tier="AIDA", holderId=passed["id"])
    assert await pending(client, admin_headers) == [("Reviewed", "CPAP")]
    assert issued["id"]


async def test_pending_queue_includes_an_organisation_whose_rule_is_met(
    client: Client, admin_headers: dict[str, str]
) -> None:
    cai = await make_cai(client, admin_headers, name="Contoso Integrators")
    await transition(client, admin_headers, cai["credential"]["id"], "revoke", "issued_in_error")
    assert await pending(client, admin_headers) == [("Contoso Integrators", "CAI")]


async def standings(client: Client, headers: dict[str, str], **params: Any) -> list[tuple[str, str]]:
    entries = await collect(client, "/v1/organization-standings", headers, "organizations", **params)
    return [(e["name"], e["standing"]) for e in entries]


async def test_organisations_by_standing(client: Client, admin_headers: dict[str, str], clock: FakeClock) -> None:
    good = await make_cai(client, admin_headers, name="Good Standing Ltd")
    risky = await make_cai(client, admin_headers, name="Risky Integrators")
    await transition(client, admin_headers, risky["staff"][0]["id"], "revoke", "misconduct")
    assert await standings(client, admin_headers) == [("Good Standing Ltd", "good"), ("Risky Integrators", "at_risk")]
    at_risk = await get_json(client, "/v1/organization-standings", admin_headers, standing="at_risk")
    (entry,) = at_risk["organizations"]
    assert entry["id"] == risky["id"]
    assert entry["reason"] == "staff_below_minimum"
    assert entry["suspendsAt"] is not None
    assert entry["credential"]["status"] == "active"
    clock.advance(days=31)  # past the staff grace: the rules' suspension is due, judged so on read
    assert await standings(client, admin_headers, standing="suspended") == [("Risky Integrators", "suspended")]
    assert await standings(client, admin_headers, standing="good") == [("Good Standing Ltd", "good")]
    assert good["id"]


async def test_register_pages_neither_repeat_nor_skip_while_credentials_are_issued(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    original = set()
    for n in range(5):
        original.add((await make_aida(client, admin_headers, displayName=f"Early {n}"))["id"])
        clock.advance(seconds=n % 2)
    added: list[str] = []

    async def issue_more() -> None:
        added.append((await make_aida(client, admin_headers, displayName=f"Late {len(added)}"))["id"])

    seen = [
        c["id"] for c in await collect(client, "/v1/credentials", admin_headers, "credentials", issue_more, limit=2)
    ]
    assert len(seen) == len(set(seen)), "an entry came twice"
    assert original <= set(seen), "an entry was skipped"
    assert len(added) >= 2
