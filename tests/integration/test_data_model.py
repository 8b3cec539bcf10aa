"""VC Data Model 2.0 MUSTs checked on both sides (verification/data_model.py): the VC API issuer refuses a credential
that breaks one (422 problem+json naming the section), and POST /credentials/verify, POST /v1/verify and the /verify
page report it as a failed format check. relatedResource digests are checked against the bundled contexts; a
resource we hold no copy of is "could not check". Also: status lists negotiate a JSON media type for clients that
accept only JSON (the Bitstring Status List suite's document loader)."""

from __future__ import annotations

import base64
import hashlib
import json
from importlib import resources
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import BASE_URL
from tests.integration.test_vc_api import credential_v2, issue, issue_headers, third_party_credential
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import did_key_for, did_key_verification_method, generate_signer

if TYPE_CHECKING:
    from tests.factories import Client

__all__ = ["issue_headers"]  # the fixture, imported for this module's tests

V2 = "https://www.w3.org/ns/credentials/v2"
V2_BYTES = (resources.files("verify_api.proofs") / "contexts" / "credentials-v2.jsonld").read_bytes()
SRI_384 = "sha384-" + base64.b64encode(hashlib.sha384(V2_BYTES).digest()).decode()
# VC Data Integrity §2.6: multibase base64url (u) of the sha2-256 multihash (0x12, 0x20, digest).
MULTIHASH_256 = "u" + base64.urlsafe_b64encode(b"\x12\x20" + hashlib.sha256(V2_BYTES).digest()).decode().rstrip("=")
# The bare digest (no multihash header), as the W3C VC 2.0 test suite writes it.
BARE_256 = "u" + base64.urlsafe_b64encode(hashlib.sha256(V2_BYTES).digest()).decode().rstrip("=")
# A well-formed sha256 digest of other bytes: beside a matching sha384 one, the strongest algorithm decides.
OTHER_SRI_256 = "sha256-" + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
# The digests the W3C suite's 2024 fixtures give: of a superseded draft of the v2 context, not of its REC bytes.
SUPERSEDED_SRI = "sha384-NSOcNpmdIVUxIJGvGUoe22FjTWrXiaXlsZ8q6912LdnR3KraQO2n75Ica4wK4Qeg"

# case -> (members added to a valid credential, the section the refusal must name)
BROKEN: dict[str, tuple[dict[str, Any], str]] = {
    "termsOfUse without type": ({"termsOfUse": {"id": "https://example.com/tou/1"}}, "§5.5 Terms of Use"),
    "evidence without type": ({"evidence": [{"id": "https://example.com/ev/1"}]}, "§5.6 Evidence"),
    "refreshService without type": ({"refreshService": {"id": "https://example.com/refresh"}}, "§5.4 Refreshing"),
    "credentialSchema without type": (
        {"credentialSchema": {"id": "https://example.com/schema.json"}},
        "§4.11 Data Schemas",
    ),
    "credentialSchema id not a URL": (
        {"credentialSchema": {"id": "not a url", "type": "JsonSchema"}},
        "§4.11 Data Schemas",
    ),
    "credentialStatus id not a URL": (
        {"credentialStatus": {"id": "not-a-url", "type": "ExampleStatusEntry"}},
        "§4.10 Status",
    ),
    "relatedResource as strings": ({"relatedResource": [V2]}, "§5.3"),
    "relatedResource without id": ({"relatedResource": [{"digestSRI": SRI_384}]}, "§5.3"),
    "relatedResource duplicate id": (
        {"relatedResource": [{"id": V2, "digestSRI": SRI_384}, {"id": V2, "digestMultibase": MULTIHASH_256}]},
        "§5.3",
    ),
    "relatedResource without digest": ({"relatedResource": [{"id": V2}]}, "§5.3"),
    "relatedResource wrong digestMultibase": (
        {"relatedResource": [{"id": V2, "digestMultibase": "uM4RgWQc3RUDtjJCSgTJtTfvpZ7SPEg_LNO0ESlovQC0"}]},
        "§5.3",
    ),
    "relatedResource superseded digestSRI": ({"relatedResource": [{"id": V2, "digestSRI": SUPERSEDED_SRI}]}, "§5.3"),
    "relatedResource digestSRI in base64url": (
        {"relatedResource": [{"id": V2, "digestSRI": SRI_384.replace("/", "_").replace("+", "-")}]},
        "§5.3",
    ),
}


# A non-URL `id` with a space is not an IRI: JSON-LD expansion drops it, so the signed claims differ from the JSON.
DROPPED_BY_JSON_LD = {"credentialSchema id not a URL", "credentialStatus id not a URL"}


@pytest.mark.parametrize("case", list(BROKEN))
async def test_issuer_refuses_a_credential_that_breaks_a_vc2_must(
    client: Client, issue_headers: dict[str, str], case: str
) -> None:
    members, section = BROKEN[case]
    response = await client.post(
        "/credentials/issue", json={"credential": credential_v2(**members)}, headers=issue_headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert section in response.json()["detail"], response.json()


def signed_by_someone_else(**members: Any) -> dict[str, Any]:
    """A credential another issuer signed under its own did:key, breaking whatever `members` break."""
    issuer = generate_signer()
    did = did_key_for(issuer.public_key)
    return add_proof(
        credential_v2(issuer=did, **members),
        issuer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_verification_method(issuer.public_key),
        created="2026-11-27T08:00:00Z",
    )


@pytest.mark.parametrize("case", list(BROKEN))
async def test_verifiers_report_a_broken_vc2_must_as_a_failed_format_check(client: Client, case: str) -> None:
    members, section = BROKEN[case]
    signed = signed_by_someone_else(**members)
    response = await client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["verified"] is False
    if case in DROPPED_BY_JSON_LD:  # what was signed lacks the member: refused before the data model is read
        assert body["problemDetails"][0]["title"] == "DATA_LOSS_DETECTION_ERROR", body
        return
    assert any(section in p["detail"] and p["title"] == "MALFORMED_VALUE_ERROR" for p in body["problemDetails"]), body
    report = (await client.post("/v1/verify", json=signed)).json()
    assert report["verdict"] == "not_verifiable"
    form = next(c for c in report["checks"] if c["name"] == "format")
    assert form["result"] == "failed"
    assert section in form["detail"], report


async def test_verify_page_shows_the_broken_must(client: Client) -> None:
    signed = signed_by_someone_else(termsOfUse={"id": "https://example.com/tou/1"})
    response = await client.post("/verify", files={"credential": (None, json.dumps(signed))})
    assert response.status_code == 200
    assert "MUST specify its type (VC Data Model 2.0 §5.5 Terms of Use)" in response.text


@pytest.mark.parametrize(
    "related",
    [
        {"id": V2, "digestSRI": SRI_384},
        {"id": V2, "digestMultibase": MULTIHASH_256},
        {"id": V2, "digestMultibase": BARE_256},
        [{"id": V2, "mediaType": "application/ld+json", "digestSRI": f"{OTHER_SRI_256} {SRI_384}"}],
    ],
)
async def test_matching_related_resource_digests_are_issued_and_verify(
    client: Client, issue_headers: dict[str, str], related: Any
) -> None:
    """Digests that match the bundled v2 context pass on both sides (with several SRI digests, the strongest
    algorithm's decides, SRI §3.3.4)."""
    issued = await issue(client, issue_headers, credential_v2(relatedResource=related))
    report = (await client.post("/v1/verify", json=issued)).json()
    check = next(c for c in report["checks"] if c["name"] == "related resources")
    assert check["result"] == "passed", report
    assert report["verdict"] == "valid", report
    third = signed_by_someone_else(relatedResource=related)
    response = await client.post("/credentials/verify", json={"verifiableCredential": third})
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True


async def test_a_related_resource_we_hold_no_copy_of_could_not_be_checked(client: Client) -> None:
    """Never fetched, never a silent pass: /v1/verify says "could not check" (so not verified); the VC API verifier
    warns, as for a foreign status list."""
    related = {"id": "https://example.com/some/resource.json", "digestSRI": SRI_384}
    signed = signed_by_someone_else(relatedResource=related)
    report = (await client.post("/v1/verify", json=signed)).json()
    check = next(c for c in report["checks"] if c["name"] == "related resources")
    assert check["result"] == "could not check"
    assert "https://example.com/some/resource.json" in check["detail"]
    assert report["verified"] is False
    body = (await client.post("/credentials/verify", json={"verifiableCredential": signed})).json()
    assert any("related resources" in w["detail"] for w in body["warnings"]), body


async def test_credentials_without_related_resources_have_no_such_check(client: Client) -> None:
    report = (await client.post("/v1/verify", json=third_party_credential())).json()
    assert "related resources" not in {c["name"] for c in report["checks"]}
    assert report["verified"] is True, report


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (None, "application/vc"),
        ("*/*", "application/vc"),
        ("application/ld+json, application/json", "application/ld+json"),
        ("application/json", "application/json"),
        ("application/json;q=0.5, application/vc", "application/vc"),
        ("text/html", "application/vc"),
    ],
)
async def test_status_list_media_type_follows_accept(
    client: Client, issue_headers: dict[str, str], accept: str | None, expected: str
) -> None:
    issued = await issue(client, issue_headers, credential_v2())
    url = issued["credentialStatus"][0]["statusListCredential"]
    path = url.removeprefix(BASE_URL)
    headers = {"Accept": accept} if accept else {}
    response = await client.get(path, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"].split(";")[0] == expected
    assert response.headers["vary"] == "Accept"
    assert "BitstringStatusListCredential" in response.json()["type"]
