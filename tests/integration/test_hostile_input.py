"""Client input that used to reach the client as a 500, through the real app: each is now a 4xx problem (or, on the
routes that always report, a not-verified report), and the neighbours of each case with it."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

import pytest

from tests.badge_factories import make_cae
from tests.factories import digest, make_aida, make_assessment, make_holder, make_organization

if TYPE_CHECKING:
    from tests.conftest import FakeClock
    from tests.factories import Client

SVG_NS = b'<svg xmlns="http://www.w3.org/2000/svg"/>'
EXTREME_TIMES = [
    "0001-01-01T00:00:00+14:00",  # 31 December of year 0 in UTC: no Python datetime holds it
    "0001-01-01T13:59:59+14:00",
    "9999-12-31T23:59:59-14:00",  # year 10000 in UTC
]


def assert_problem(response: Any, status: int, *words: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    for word in words:
        assert word in problem["detail"], problem
    return problem


@pytest.mark.parametrize("encoding", ["x-unknown", "UTF-7", "utf-32"])
async def test_svg_badge_with_unknown_encoding_is_reported_not_500(client: Client, encoding: str) -> None:
    svg = f'<?xml version="1.0" encoding="{encoding}"?>'.encode() + SVG_NS
    response = await client.post("/v1/verify", content=svg, headers={"Content-Type": "image/svg+xml"})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is False
    assert "XML encoding that is not supported" in response.json()["summary"]
    uploaded = await client.post("/v1/verify", files={"file": ("badge.svg", svg, "image/svg+xml")})
    assert uploaded.status_code == 200, uploaded.text
    assert uploaded.json()["verified"] is False
    page = await client.post("/verify", files={"badge": ("badge.svg", svg, "image/svg+xml")})
    assert page.status_code == 200, page.text
    assert "XML encoding that is not supported" in page.text


async def test_verify_page_non_utf8_form_field_is_400_page(client: Client) -> None:
    body = b'--b\r\nContent-Disposition: form-data; name="credential"\r\n\r\n\xff\xfe{"a": 1}\r\n--b--\r\n'
    response = await client.post("/verify", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "not UTF-8" in response.text
    # The same bytes to the API are a report (its own multipart reader keeps bytes).
    api = await client.post("/v1/verify", content=body, headers={"Content-Type": "multipart/form-data; boundary=b"})
    assert api.status_code == 200
    assert api.json()["verified"] is False


@pytest.mark.parametrize("moment", EXTREME_TIMES)
async def test_lookup_at_an_instant_without_utc_form_is_422(
    client: Client, admin_headers: dict[str, str], moment: str
) -> None:
    credential = await make_aida(client, admin_headers)
    response = await client.get(f"/v1/credentials/{credential['id']}", params={"at": moment})
    if moment.startswith("9999"):  # representable locally, and in the future: refused as such already
        assert response.status_code == 422, response.text
        return
    assert_problem(response, 422, "at", "no UTC representation")


@pytest.mark.parametrize("moment", EXTREME_TIMES)
async def test_status_list_timestamp_without_utc_form_is_422(
    client: Client, admin_headers: dict[str, str], moment: str
) -> None:
    credential = await make_aida(client, admin_headers)
    document = (await client.get(f"/v1/credentials/{credential['id']}/vc")).json()
    list_url = document["credentialStatus"][0]["statusListCredential"]
    response = await client.get(list_url.removeprefix("https://verify.test.example"), params={"timestamp": moment})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("moment", EXTREME_TIMES[:2])
async def test_assessment_at_an_instant_without_utc_form_is_422(
    client: Client, admin_headers: dict[str, str], moment: str
) -> None:
    holder = await make_holder(client, admin_headers)
    body = {"kind": "exam", "holderId": holder["id"], "score": 80, "maxScore": 100, "assessedAt": moment}
    response = await client.post("/v1/assessments", json=body, headers=admin_headers)
    assert_problem(response, 422, "assessedAt", "no UTC representation")


@pytest.mark.parametrize(
    "path",
    [
        "/v1/organizations?q=%00",
        "/v1/organizations?q=Acme%00",
        "/registry?q=%00",
        "/v1/status-lists/%00",
        "/v1/status-lists/a%00b",
        "/v1/lookup?code=PAI-%00",
        "/verify?q=%00",
        "/v1/credentials/%00",
        "/c/%00",
    ],
)
async def test_nul_in_url_is_400(client: Client, path: str) -> None:
    """PostgreSQL refuses NUL in text: these were 500s for the search and status-list routes."""
    assert_problem(await client.get(path), 400, "U+0000")


async def test_nul_in_names_is_400(client: Client, admin_headers: dict[str, str]) -> None:
    cases = [
        ("/v1/holders", {"displayName": "Ada\u0000"}),
        ("/v1/organizations", {"name": "Acme\u0000", "kind": "consultancy"}),
        ("/v1/holders", {"displayName": "Ada", "email": "ada\u0000@example.org"}),
    ]
    for path, body in cases:
        assert_problem(await client.post(path, json=body, headers=admin_headers), 400, "U+0000")
    org = await make_organization(client, admin_headers)
    holder = await make_holder(client, admin_headers)
    staff = await client.post(
        f"/v1/organizations/{org['id']}/staff",
        json={"holderId": holder["id"], "role": "x\u0000"},
        headers=admin_headers,
    )
    assert_problem(staff, 400, "U+0000", "$.role")


async def test_governance_review_due_9999_keeps_the_registry_up(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    """One review due 9999-12-31 overflowed `due + grace` when the registry renewed the CAE on read: every
    visitor of GET /v1/organizations and /registry got a 500."""
    cae = await make_cae(client, admin_headers, name="Far Horizon plc")
    clock.advance(days=1)
    await make_assessment(
        client,
        admin_headers,
        kind="governance_review",
        organizationId=cae["organizationId"],
        assessorIds=["auditor-2"],
        outcome="approved",
        nextReviewDue="9999-12-31",
    )
    clock.advance(days=1)
    listing = await client.get("/v1/organizations")
    assert listing.status_code == 200, listing.text
    (entry,) = [e for e in listing.json()["results"] if e["id"] == cae["organizationId"]]
    assert entry["certificationStatus"] == "certified"
    assert entry["standing"] is None or entry["standing"]["atRisk"] is False
    one = await client.get(f"/v1/organizations/{cae['organizationId']}")
    assert one.status_code == 200, one.text
    page = await client.get("/registry")
    assert page.status_code == 200, page.text
    assert "Far Horizon plc" in page.text


async def test_cae_issued_on_a_review_due_9999_is_capped(client: Client, admin_headers: dict[str, str]) -> None:
    org = await make_organization(client, admin_headers, name="Distant plc", kind="enterprise")
    await make_assessment(
        client,
        admin_headers,
        kind="compliance_audit",
        organizationId=org["id"],
        assessorIds=["auditor-1"],
        outcome="passed",
        evidenceDigest=digest("distant"),
        nextReviewDue="9999-12-31",
    )
    response = await client.post(
        "/v1/credentials", json={"tier": "CAE", "organizationId": org["id"]}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    assert response.json()["validUntil"].startswith("2028-11-26")  # CAE_MAX_VALIDITY_DAYS (730) from 2026-11-27


async def test_400_kb_proof_value_is_refused_in_well_under_a_second(
    client: Client, admin_headers: dict[str, str]
) -> None:
    """The attack: an unauthenticated 400 KB base58 proofValue cost 24-28 s of CPU (quadratic decoding)."""
    credential = await make_aida(client, admin_headers)
    document = (await client.get(f"/v1/credentials/{credential['id']}/vc")).json()
    document["proof"]["proofValue"] = "z" + "2" * 400_000
    body = json.dumps(document).encode()
    for path, wrapped in (("/v1/verify", body), ("/credentials/verify", b'{"verifiableCredential": ' + body + b"}")):
        start = time.perf_counter()
        response = await client.post(path, content=wrapped, headers={"Content-Type": "application/json"})
        elapsed = time.perf_counter() - start
        assert response.status_code in (200, 400, 422), response.text
        assert response.json()["verified"] is False
        assert "at most 256 are accepted" in response.text
        assert elapsed < 1.0, (path, elapsed)
