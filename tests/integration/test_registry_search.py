"""Registry search (issue 14): tolerant names (order, accents, partial words, typos), ids, filters, paging and
the standing shown as the API computes it, over GET /v1/organizations and the /registry page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.factories import make_cai, make_certified_cae
from tests.lifecycle_helpers import transition

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]


async def make_cae(client: Client, headers: dict[str, str], name: str, country: str) -> dict[str, Any]:
    return await make_certified_cae(client, headers, name=name, review_due="2027-09-01", country=country)


@pytest.fixture
async def registry(client: Client, admin_headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    return {
        "acme": await make_cai(client, admin_headers, name="Acme AI Consulting Ltd"),
        "societe": await make_cae(client, admin_headers, "Société Générale Conseil", "FR"),
        "woodgrove": await make_cae(client, admin_headers, "Woodgrove Bank", "US"),
    }


async def names(client: Client, **params: Any) -> list[str]:
    response = await client.get("/v1/organizations", params=params)
    assert response.status_code == 200, response.text
    return [entry["name"] for entry in response.json()["results"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Acme Consulting", ["Acme AI Consulting Ltd"]),  # not a contiguous substring
        ("consulting acme", ["Acme AI Consulting Ltd"]),  # word order, case
        ("acme consult", ["Acme AI Consulting Ltd"]),  # partial word
        ("Acme Consultng", ["Acme AI Consulting Ltd"]),  # a typo
        ("societe generale", ["Société Générale Conseil"]),  # accents
        ("GÉNÉRALE", ["Société Générale Conseil"]),
        ("woodgrove acme", []),  # every word must match
        ("100%_", []),  # LIKE wildcards are literal
    ],
)
async def test_registry_search_is_tolerant(
    client: Client, registry: dict[str, dict[str, Any]], query: str, expected: list[str]
) -> None:
    assert await names(client, q=query) == expected


async def test_registry_search_finds_an_organisation_or_credential_id(
    client: Client, registry: dict[str, dict[str, Any]]
) -> None:
    assert await names(client, q=registry["woodgrove"]["id"]) == ["Woodgrove Bank"]
    assert await names(client, q=registry["acme"]["credential"]["id"]) == ["Acme AI Consulting Ltd"]


async def test_registry_filters_by_designation_country_and_status(
    client: Client, admin_headers: dict[str, str], registry: dict[str, dict[str, Any]]
) -> None:
    assert await names(client, designation="CAE") == ["Société Générale Conseil", "Woodgrove Bank"]
    assert await names(client, designation="CAI") == ["Acme AI Consulting Ltd"]
    assert await names(client, country="FR") == ["Société Générale Conseil"]
    assert await names(client, status="at-risk") == []
    await transition(client, admin_headers, registry["acme"]["staff"][0]["id"], "revoke", "misconduct")
    assert await names(client, status="at-risk") == ["Acme AI Consulting Ltd"]
    assert await names(client, status="certified") == [
        "Acme AI Consulting Ltd",
        "Société Générale Conseil",
        "Woodgrove Bank",
    ]
    await transition(client, admin_headers, registry["woodgrove"]["credential"]["id"], "revoke", "misconduct")
    assert await names(client, status="not-certified") == ["Woodgrove Bank"]
    assert "Woodgrove Bank" not in await names(client, status="certified")


async def test_registry_pages_through_results(client: Client, registry: dict[str, dict[str, Any]]) -> None:
    first = (await client.get("/v1/organizations", params={"limit": 2})).json()
    assert [e["name"] for e in first["results"]] == ["Acme AI Consulting Ltd", "Société Générale Conseil"]
    assert (first["offset"], first["limit"], first["nextOffset"]) == (0, 2, 2)
    last = (await client.get("/v1/organizations", params={"limit": 2, "offset": 2})).json()
    assert [e["name"] for e in last["results"]] == ["Woodgrove Bank"]
    assert last["nextOffset"] is None
    filtered = (await client.get("/v1/organizations", params={"designation": "CAE", "limit": 1, "offset": 1})).json()
    assert [e["name"] for e in filtered["results"]] == ["Woodgrove Bank"]


@pytest.mark.parametrize(
    "params",
    [{"designation": "AIDA"}, {"country": "gb"}, {"status": "valid"}, {"limit": 0}, {"limit": 51}, {"offset": -1}],
)
async def test_registry_search_refuses_bad_filters_as_problems(client: Client, params: dict[str, Any]) -> None:
    response = await client.get("/v1/organizations", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["detail"]


async def test_registry_page_shows_standing_filters_and_pages(
    client: Client, admin_headers: dict[str, str], registry: dict[str, dict[str, Any]]
) -> None:
    await transition(client, admin_headers, registry["acme"]["staff"][0]["id"], "revoke", "misconduct")
    page = (await client.get("/registry", params={"q": "consulting acme", "status": "at-risk"})).text
    assert "Acme AI Consulting Ltd" in page
    assert "Certified, at risk" in page
    assert "At risk since" in page
    assert "suspends on" in page
    assert '<option value="at-risk" selected>' in page
    lenient = await client.get("/registry", params={"designation": "nope", "country": "zz9", "page": "x"})
    assert lenient.status_code == 200
    assert "3 organisations" in lenient.text


async def test_registry_check_api_gives_each_entry_its_match_and_status(
    client: Client, admin_headers: dict[str, str], registry: dict[str, dict[str, Any]]
) -> None:
    await transition(client, admin_headers, registry["acme"]["staff"][0]["id"], "revoke", "misconduct")
    entries = ["acme consulting", registry["woodgrove"]["id"], "Societe Generale", "Contoso Nowhere"]
    response = await client.post("/v1/organizations/check", json={"entries": entries})
    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert [(r["entry"], r["match"] and r["match"]["name"], r["status"]) for r in rows] == [
        ("acme consulting", "Acme AI Consulting Ltd", "at-risk"),
        (registry["woodgrove"]["id"], "Woodgrove Bank", "certified"),
        ("Societe Generale", "Société Générale Conseil", "certified"),
        ("Contoso Nowhere", None, "no match"),
    ]


@pytest.mark.parametrize("body", [{"entries": []}, {"entries": ["x"] * 51}, {"entries": ["x" * 101]}, {"names": ["a"]}])
async def test_registry_check_api_refuses_bad_lists(client: Client, body: dict[str, Any]) -> None:
    response = await client.post("/v1/organizations/check", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_registry_check_page_takes_a_pasted_or_uploaded_list_and_gives_csv(
    client: Client, registry: dict[str, dict[str, Any]]
) -> None:
    form = await client.get("/registry/check")
    assert form.status_code == 200
    assert 'name="entries"' in form.text
    pasted = await client.post("/registry/check", data={"entries": "Woodgrove\n\n=cmd|' /C calc'!A0\n"})
    assert pasted.status_code == 200
    assert "Woodgrove Bank" in pasted.text
    assert "Not in the registry" in pasted.text
    upload = {"list": ("suppliers.csv", '\ufeffAcme Consulting\r\n"woodgrove bank"\r\n'.encode(), "text/csv")}
    as_csv = await client.post("/registry/check", files=upload, data={"format": "csv", "entries": ""})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = as_csv.text.splitlines()
    assert lines[0].startswith("entry,matched organisation,organisation id,designations,status")
    assert lines[1].startswith(f"Acme Consulting,Acme AI Consulting Ltd,{registry['acme']['id']},CAI,certified")
    assert lines[2].startswith(f"woodgrove bank,Woodgrove Bank,{registry['woodgrove']['id']},CAE,certified")
    injected = await client.post("/registry/check", data={"entries": "=HYPERLINK(1)", "format": "csv"})
    assert injected.text.splitlines()[1].startswith("'=HYPERLINK(1),,,,no match")
    empty = await client.post("/registry/check", data={"entries": "  \n"})
    assert empty.status_code == 422
    assert "The list is empty" in empty.text
