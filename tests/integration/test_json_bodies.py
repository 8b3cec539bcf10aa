"""JSON strictness on every path a client's JSON reaches: request bodies (VC API, admin), presented credentials
(POST /v1/verify, baked badges, form uploads, the HTML form) and JWT parts. One meaning per document, or a refusal
that names where."""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import pytest
from litestar.handlers import HTTPRouteHandler

from tests.conftest import api_key
from tests.factories import make_aida
from tests.integration.test_verify_api import signed_document
from verify_api.api.public import answer_code_from_memory, answer_from_memory
from verify_api.api.request_input import decodes_json_body, refuse_malformed_input
from verify_api.badges.baking import bake_png, bake_svg
from verify_api.badges.png import render_badge_png_sync
from verify_api.badges.svg import render_badge_svg_sync
from verify_api.proofs.keys import did_key_verification_method, generate_signer

if TYPE_CHECKING:
    from litestar import Litestar

    from tests.factories import Client

JSON = {"Content-Type": "application/json"}


def with_forged_id_first(document: bytes) -> bytes:
    """The attack: a second `id` member placed before the real one. json and msgspec keep the last (the real
    one, so the proof still verifies) while a reader keeping the first sees the forged id."""
    text = document.decode()
    assert text.startswith("{")
    return ('{"id": "urn:uuid:00000000-0000-4000-8000-000000000000", ' + text[1:]).encode()


async def test_every_route_reads_its_input_strictly(app: Litestar) -> None:
    """A route-level before_request would replace the app's hook: only the two lookups have one (each answers from
    memory when it can; GET /v1/credentials/{id}'s refuses NUL in the URL, it takes no body; GET /v1/lookup's runs the
    app's hook first)."""
    json_routes = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            hook = handler.resolve_before_request()
            if route.path == "/v1/credentials/{credential_id:str}" and "GET" in handler.http_methods:
                assert hook is answer_from_memory
                assert not decodes_json_body(handler)
                continue
            if route.path == "/v1/lookup" and "GET" in handler.http_methods:
                assert hook is answer_code_from_memory
                assert not decodes_json_body(handler)
                continue
            assert hook is refuse_malformed_input, route.path
            if decodes_json_body(handler):
                json_routes.append(route.path)
    assert {"/credentials/issue", "/credentials/verify", "/presentations/verify", "/credentials/status"} <= set(
        json_routes
    )
    assert {"/v1/holders", "/v1/organizations", "/v1/assessments", "/v1/credentials"} <= set(json_routes)


async def test_verify_duplicate_member_is_not_verified(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    forged = with_forged_id_first(await signed_document(client, credential["id"]))
    response = await client.post("/v1/verify", content=forged, headers=JSON)
    assert response.status_code == 200
    report = response.json()
    assert report["verified"] is False
    assert "duplicate member 'id'" in report["summary"]


async def test_vc_api_verify_duplicate_member_is_400(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    forged = with_forged_id_first(await signed_document(client, credential["id"]))
    body = b'{"verifiableCredential": ' + forged + b"}"
    response = await client.post("/credentials/verify", content=body, headers=JSON)
    assert response.status_code == 400, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "duplicate member 'id' in $.verifiableCredential" in problem["detail"]


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"verifiableCredential": {"a": 1' + b"0" * 5000 + b"}}", "5001 digits"),
        (b'{"verifiableCredential": ' + b"[" * 5000 + b"]" * 5000 + b"}", "deeper than 64"),
        (b'{"verifiableCredential": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "deeper than 64"),
        (b'{"verifiableCredential": {"name": "\\ud800"}}', "lone surrogate"),
        (b'{"verifiableCredential": {"name": "a\\u0000b"}}', "U+0000"),
        (b'{"verifiableCredential": {"n": 1e999}}', "not a finite"),
    ],
)
async def test_vc_api_verify_hostile_json_is_400_naming_where(client: Client, body: bytes, words: str) -> None:
    for path in ("/credentials/verify", "/presentations/verify"):
        response = await client.post(path, content=body.replace(b"verifiableCredential", _member(path)), headers=JSON)
        assert response.status_code == 400, (path, response.text)
        assert words in response.json()["detail"], (path, response.json())


def _member(path: str) -> bytes:
    return b"verifiablePresentation" if path.startswith("/presentations") else b"verifiableCredential"


async def test_json_body_is_checked_whatever_the_content_type(client: Client) -> None:
    """Litestar decodes `data` as JSON whatever Content-Type says, so the check cannot key on the header."""
    body = b'{"verifiableCredential": {"id": "a", "id": "b"}}'
    for content_type in ("text/plain", "application/octet-stream", "application/vc"):
        response = await client.post("/credentials/verify", content=body, headers={"Content-Type": content_type})
        assert response.status_code == 400, (content_type, response.text)
        assert "duplicate member 'id'" in response.json()["detail"]


async def test_admin_json_routes_refuse_nul_and_duplicates(client: Client, admin_headers: dict[str, str]) -> None:
    """U+0000 reached PostgreSQL (which refuses it in text): a 500 for `POST /v1/holders`, `/v1/organizations`."""
    headers = {**admin_headers, **JSON}
    cases = [
        ("/v1/holders", b'{"displayName": "Ada\\u0000Lovelace"}', "$.displayName"),
        ("/v1/organizations", b'{"name": "A\\u0000", "kind": "consultancy"}', "$.name"),
        ("/v1/holders", b'{"displayName": "Ada", "displayName": "Eve"}', "duplicate member 'displayName'"),
        ("/v1/credentials", b'{"tier": "AIDA", "tier": "CPAA"}', "duplicate member 'tier'"),
    ]
    for path, body, words in cases:
        response = await client.post(path, content=body, headers=headers)
        assert response.status_code == 400, (path, response.text)
        assert words in response.json()["detail"], (path, response.json())


async def test_vc_api_issue_and_status_refuse_duplicates(client: Client, database_url: str) -> None:
    headers = {"Authorization": f"Bearer {await api_key(database_url, ['issue', 'manage'])}", **JSON}
    issue = b'{"credential": {"issuer": "did:web:a", "issuer": "did:web:b"}}'
    response = await client.post("/credentials/issue", content=issue, headers=headers)
    assert response.status_code == 400, response.text
    assert "duplicate member 'issuer' in $.credential" in response.json()["detail"]
    status = b'{"credentialId": "x", "credentialStatus": {"type": "a", "statusPurpose": "revocation"}, '
    status += b'"status": false, "status": true}'
    response = await client.post("/credentials/status", content=status, headers=headers)
    assert response.status_code == 400, response.text
    assert "duplicate member 'status'" in response.json()["detail"]


async def test_strict_check_needs_credentials_first(client: Client) -> None:
    """Guards run before the body is read: an anonymous client gets 401, not a parse of its body."""
    response = await client.post("/v1/holders", content=b'{"a": 1, "a": 2}', headers=JSON)
    assert response.status_code == 401


async def test_verify_hostile_json_is_a_not_verified_report(client: Client) -> None:
    """POST /v1/verify always answers with a report; a huge integer was a 500 there (Python's int limit)."""
    bodies = [
        b'{"@context": 1' + b"0" * 5000 + b"}",
        b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"a": "\\udc00"}',
        b'{"a": NaN}',
    ]
    for body in bodies:
        response = await client.post("/v1/verify", content=body, headers=JSON)
        assert response.status_code == 200, response.text
        assert response.json()["verified"] is False
        assert response.json()["checks"][0]["result"] == "failed"


async def test_badges_and_uploads_with_duplicate_members_do_not_verify(
    client: Client, admin_headers: dict[str, str]
) -> None:
    from tests.integration.test_verify_api import badge_content

    credential = await make_aida(client, admin_headers)
    forged = with_forged_id_first(await signed_document(client, credential["id"])).decode()
    png = bake_png(render_badge_png_sync(badge_content()), forged)
    svg = bake_svg(render_badge_svg_sync(badge_content()), forged).encode()
    requests: list[dict[str, Any]] = [
        {"url": "/v1/verify", "content": png, "headers": {"Content-Type": "image/png"}},
        {"url": "/v1/verify", "content": svg, "headers": {"Content-Type": "image/svg+xml"}},
        {"url": "/v1/verify", "files": {"file": ("badge.png", png, "image/png")}},
        {"url": "/v1/verify", "files": {"credential": (None, forged.encode())}},
    ]
    for request in requests:
        response = await client.post(**request)
        assert response.status_code == 200, response.text
        assert response.json()["verified"] is False, request["url"]
        assert "duplicate member 'id'" in response.json()["summary"]
    for form in ({"files": {"badge": ("badge.svg", svg, "image/svg+xml")}}, {"data": {"credential": forged}}):
        page = await client.post("/verify", **form)
        assert page.status_code == 200
        assert "duplicate member" in page.text
        assert "Valid." not in page.text


async def test_jwt_with_duplicate_header_member_is_not_verified(client: Client) -> None:
    """RFC 7515 §5.2: the JOSE Header MUST NOT contain duplicate names ("alg" twice could mean either)."""
    signer = generate_signer()
    kid = did_key_verification_method(signer.public_key)
    header = b'{"alg": "EdDSA", "typ": "vc+jwt", "kid": ' + json.dumps(kid).encode() + b', "alg": "none"}'
    payload = json.dumps({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]})
    signing_input = f"{_b64(header)}.{_b64(payload.encode())}"
    token = f"{signing_input}.{_b64(signer.sign(signing_input.encode()))}"
    response = await client.post("/v1/verify", content=token.encode(), headers={"Content-Type": "application/vc+jwt"})
    assert response.status_code == 200
    assert response.json()["verified"] is False
    assert "duplicate member 'alg'" in response.json()["summary"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
