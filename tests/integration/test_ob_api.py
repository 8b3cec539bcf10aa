"""The 1EdTech Open Badges API 3.0 played by a client written from the specification, against the real app and
PostgreSQL: discovery, RFC 7591 registration, the authorization code grant with PKCE through the consent page of a
signed-in holder, the token exchange, getCredentials and getProfile, refresh with rotation, revocation; then each
refusal with the error its standard names (RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2, RFC 7636 §4.6, RFC 6750
§3.1 and the OB Imsx_StatusInfo)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlencode, urlsplit
from uuid import UUID

import pytest

from tests.conftest import BASE_URL
from tests.factories import make_aida, make_cpap
from tests.lifecycle_helpers import transition
from verify_api.db.pool import connect
from verify_api.services.holder_sessions import HOLDER_SESSION_COOKIE, open_holder_session

if TYPE_CHECKING:
    from tests.conftest import FakeClock
    from tests.factories import Client
    from verify_api.settings import Settings

OB = f"{BASE_URL}/ims/ob/v3p0"
SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
READ_CREDENTIALS = f"{SCOPE}credential.readonly"
READ_PROFILE = f"{SCOPE}profile.readonly"
REDIRECT = "https://wallet.example/callback"


def registration(**overrides: Any) -> dict[str, Any]:
    """A registration request as OB 3.0 §"Register with Authorization Server" shows it."""
    return {
        "client_name": "Example Wallet",
        "client_uri": "https://wallet.example/",
        "logo_uri": "https://wallet.example/logo.png",
        "tos_uri": "https://wallet.example/terms",
        "policy_uri": "https://wallet.example/privacy",
        "software_id": "c88b6ed8-269e-448e-99be-7e2ff47167d1",
        "software_version": "v4.0.30319",
        "redirect_uris": [REDIRECT],
        "token_endpoint_auth_method": "client_secret_basic",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": f"{READ_CREDENTIALS} {SCOPE}credential.upsert {READ_PROFILE} offline_access",
        **overrides,
    }


def signed_in(session: str) -> dict[str, str]:
    """The holder's session cookie, as the browser sends it."""
    return {"Cookie": f"{HOLDER_SESSION_COOKIE}={session}"}


def basic(client_id: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@dataclass
class Wallet:
    """The client side of OB 3.0 §"Using OAuth 2.0 Authorization Code Grant", step by step."""

    http: Client
    client_id: str = ""
    secret: str = ""
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    state: str = field(default_factory=lambda: secrets.token_urlsafe(16))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode("ascii")).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    async def discover(self) -> dict[str, Any]:
        response = await self.http.get(f"{OB}/discovery", headers={"Accept": "application/json"})
        assert response.status_code == 200, response.text
        document: dict[str, Any] = response.json()
        return document

    async def register(self, **overrides: Any) -> dict[str, Any]:
        scheme = (await self.discover())["components"]["securitySchemes"]["OAuth2ACG"]
        response = await self.http.post(scheme["x-imssf-registrationUrl"], json=registration(**overrides))
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        self.client_id, self.secret = body["client_id"], body["client_secret"]
        return body

    def authorize_query(self, **overrides: str) -> str:
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": REDIRECT,
            "scope": f"{READ_CREDENTIALS} {READ_PROFILE} offline_access",
            "state": self.state,
            "code_challenge": self.challenge,
            "code_challenge_method": "S256",
            **overrides,
        }
        return urlencode(params)

    async def consent_page(self, session: str, **overrides: str) -> Any:
        return await self.http.get(
            f"{OB}/authorize?{self.authorize_query(**overrides)}", headers=signed_in(session), follow_redirects=False
        )

    async def approve(self, session: str, decision: str = "approve", **overrides: str) -> dict[str, list[str]]:
        """Open the consent page as the signed-in holder, send its form as the browser would; the redirect's query."""
        page = await self.consent_page(session, **overrides)
        assert page.status_code == 200, page.text
        fields = {unescape(n): unescape(v) for n, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
        fields["decision"] = decision
        response = await self.http.post(
            f"{OB}/authorize",
            data=fields,
            headers={"Origin": BASE_URL, "Sec-Fetch-Site": "same-origin", **signed_in(session)},
            follow_redirects=False,
        )
        assert response.status_code in (302, 303), response.text
        location = response.headers["location"]
        assert location.startswith(f"{REDIRECT}?")
        return parse_qs(urlsplit(location).query)

    async def code(self, session: str) -> str:
        answer = await self.approve(session)
        assert answer["state"] == [self.state]
        return answer["code"][0]

    async def exchange(self, code: str, **overrides: str) -> Any:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        form |= {"code_verifier": self.verifier, **overrides}
        return await self.http.post(f"{OB}/token", data=form, headers=basic(self.client_id, self.secret))

    async def tokens(self, session: str) -> dict[str, Any]:
        response = await self.exchange(await self.code(session))
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def refresh(self, refresh_token: str) -> Any:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        return await self.http.post(f"{OB}/token", data=form, headers=basic(self.client_id, self.secret))

    async def get(self, path: str, access_token: str) -> Any:
        return await self.http.get(f"{OB}{path}", headers={"Authorization": f"Bearer {access_token}"})


async def holder_session(settings: Settings, clock: FakeClock, holder_id: str) -> str:
    conn = await connect(settings.database_url or "")
    try:
        return (await open_holder_session(conn, settings, UUID(holder_id), now=clock())).token
    finally:
        await conn.close()


@pytest.fixture
async def holder(client: Client, admin_headers: dict[str, str], settings: Settings, clock: FakeClock) -> Any:
    """A holder with an AIDA, and their session cookie."""
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper", email="grace@example.org")
    credential["session"] = await holder_session(settings, clock, credential["holderId"])
    return credential


@pytest.fixture
async def wallet(client: Client) -> Wallet:
    wallet = Wallet(client)
    await wallet.register()
    return wallet


def assert_imsx(response: Any, status: int, minor: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert (body["imsx_codeMajor"], body["imsx_severity"]) == ("failure", "error")
    assert body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor
    assert body["imsx_description"]


def assert_oauth_error(response: Any, status: int, error: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["error"] == error
    description: str = body["error_description"]
    return description


async def test_wallet_flow_end_to_end(client: Client, holder: Any) -> None:
    wallet = Wallet(client)
    document = await wallet.discover()
    assert document["openapi"].startswith("3.0")
    assert document["info"]["x-imssf-privacyPolicyUrl"].startswith("http")
    assert document["info"]["termsOfService"].startswith("http")
    assert document["info"]["x-imssf-image"] == f"{BASE_URL}/v1/issuer/image.png"
    scheme = document["components"]["securitySchemes"]["OAuth2ACG"]
    assert scheme["type"] == "oauth2"
    assert scheme["x-imssf-registrationUrl"] == f"{OB}/register"
    flow = scheme["flows"]["authorizationCode"]
    assert (flow["authorizationUrl"], flow["tokenUrl"], flow["refreshUrl"]) == (
        f"{OB}/authorize",
        f"{OB}/token",
        f"{OB}/token",
    )
    assert set(flow["scopes"]) == {f"{SCOPE}{s}" for s in ("credential.readonly", "credential.upsert")} | {
        READ_PROFILE,
        f"{SCOPE}profile.update",
    }
    assert {"/credentials", "/profile", "/discovery"} <= set(document["paths"])

    registered = await wallet.register()
    assert registered["client_secret_expires_at"] == 0
    assert registered["redirect_uris"] == [REDIRECT]
    assert registered["client_name"] == "Example Wallet"

    page = await wallet.consent_page(holder["session"])
    assert page.status_code == 200
    assert "Example Wallet" in page.text
    assert "wallet.example" in page.text
    assert "form-action 'self' https://wallet.example" in page.headers["content-security-policy"]
    assert "img-src 'self' data: https://wallet.example" in page.headers["content-security-policy"]
    assert 'src="https://wallet.example/logo.png"' in page.text
    # For whom: on a shared browser the session may be someone else's.
    assert 'You are signed in as <strong dir="auto">Grace Hopper</strong> (grace@example.org)' in page.text

    answer = await wallet.approve(holder["session"])
    assert answer["state"] == [wallet.state]
    assert answer["scope"] == [f"{READ_CREDENTIALS} {READ_PROFILE} offline_access"]
    response = await wallet.exchange(answer["code"][0])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    tokens = response.json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 3600
    assert tokens["scope"] == f"{READ_CREDENTIALS} {READ_PROFILE} offline_access"

    listing = await wallet.get("/credentials", tokens["access_token"])
    assert listing.status_code == 200, listing.text
    assert listing.headers["x-total-count"] == "1"
    assert 'rel="first"' in listing.headers["link"]
    assert 'rel="last"' in listing.headers["link"]
    body = listing.json()
    assert "compactJwsString" not in body
    assert len(body["credential"]) == 1
    stored = (await client.get(f"/v1/credentials/{holder['id']}/vc")).content
    delivered = re.search(rb'"credential":\[(.*)\]\}$', listing.content)
    assert delivered is not None
    assert delivered.group(1) == stored
    report = await client.post("/v1/verify", content=delivered.group(1), headers={"Content-Type": "application/json"})
    assert report.json()["verified"] is True  # checked with the service's published keys

    profile = await wallet.get("/profile", tokens["access_token"])
    assert profile.status_code == 200
    assert profile.json() | {"id": None} == {
        "@context": ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "type": "Profile",
        "id": None,
        "name": "Grace Hopper",
        "email": "grace@example.org",
    }

    renewed = await wallet.refresh(tokens["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    fresh = renewed.json()
    assert fresh["refresh_token"] != tokens["refresh_token"]  # rotated
    assert (await wallet.get("/credentials", fresh["access_token"])).status_code == 200

    revoked = await client.post(
        f"{OB}/revoke", data={"token": fresh["refresh_token"]}, headers=basic(wallet.client_id, wallet.secret)
    )
    assert revoked.status_code == 200
    assert_imsx(await wallet.get("/credentials", fresh["access_token"]), 401, "unauthorizedrequest")


async def test_credentials_are_paged_with_total_and_links(
    client: Client, admin_headers: dict[str, str], settings: Settings, clock: FakeClock, wallet: Wallet
) -> None:
    cpap = await make_cpap(client, admin_headers)  # the holder's AIDA, then their CPAP
    session = await holder_session(settings, clock, cpap["holderId"])
    access = (await wallet.tokens(session))["access_token"]
    first = await wallet.get("/credentials?limit=1", access)
    assert first.headers["x-total-count"] == "2"
    links = {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', first.headers["link"])}
    assert links == {"first": f"{OB}/credentials?limit=1&offset=0", "last": f"{OB}/credentials?limit=1&offset=1"} | {
        "next": f"{OB}/credentials?limit=1&offset=1"
    }
    second = await wallet.get("/credentials?limit=1&offset=1", access)
    assert 'rel="prev"' in second.headers["link"]
    assert 'rel="next"' not in second.headers["link"]
    ids = [r.json()["credential"][0]["id"] for r in (first, second)]
    # Oldest first, then by id: both were issued at the one instant of the test clock, so the id decides.
    assert ids == sorted(f"{BASE_URL}/v1/credentials/{c}" for c in (cpap["aida"]["id"], cpap["id"]))
    assert_imsx(await wallet.get("/credentials?limit=0", access), 400, "invalid_query_parameter")
    assert_imsx(await wallet.get("/credentials?since=yesterday", access), 400, "invalid_query_parameter")


async def test_revoked_credential_is_not_delivered(
    client: Client, admin_headers: dict[str, str], holder: Any, wallet: Wallet
) -> None:
    access = (await wallet.tokens(holder["session"]))["access_token"]
    assert (await transition(client, admin_headers, holder["id"], "revoke", "misconduct")).status_code == 200
    listing = await wallet.get("/credentials", access)
    assert listing.status_code == 200
    assert listing.headers["x-total-count"] == "0"
    assert listing.json() == {"credential": []}


async def test_token_of_one_holder_never_reads_another_holders(
    client: Client, admin_headers: dict[str, str], settings: Settings, clock: FakeClock, holder: Any, wallet: Wallet
) -> None:
    other = await make_aida(client, admin_headers, displayName="Alan Turing")
    other_session = await holder_session(settings, clock, other["holderId"])
    mine = (await wallet.tokens(holder["session"]))["access_token"]
    wallet.verifier, wallet.state = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    theirs = (await wallet.tokens(other_session))["access_token"]
    seen = {}
    for name, token in (("mine", mine), ("theirs", theirs)):
        body = (await wallet.get("/credentials", token)).json()
        seen[name] = [c["id"] for c in body["credential"]]
    assert seen == {
        "mine": [f"{BASE_URL}/v1/credentials/{holder['id']}"],
        "theirs": [f"{BASE_URL}/v1/credentials/{other['id']}"],
    }
    assert (await wallet.get("/profile", theirs)).json()["name"] == "Alan Turing"


async def test_wrong_pkce_verifier_is_invalid_grant(holder: Any, wallet: Wallet) -> None:
    code = await wallet.code(holder["session"])
    description = assert_oauth_error(await wallet.exchange(code, code_verifier="x" * 43), 400, "invalid_grant")
    assert "code_challenge" in description
    assert_oauth_error(await wallet.exchange(code), 400, "invalid_grant")  # the failed attempt consumed the code


async def test_replayed_code_is_refused_and_revokes_its_tokens(holder: Any, wallet: Wallet) -> None:
    code = await wallet.code(holder["session"])
    first = await wallet.exchange(code)
    assert first.status_code == 200
    description = assert_oauth_error(await wallet.exchange(code), 400, "invalid_grant")
    assert "used already" in description
    assert_imsx(await wallet.get("/credentials", first.json()["access_token"]), 401, "unauthorizedrequest")
    assert_oauth_error(await wallet.refresh(first.json()["refresh_token"]), 400, "invalid_grant")


async def test_expired_code_is_invalid_grant(holder: Any, wallet: Wallet, clock: FakeClock) -> None:
    tokens = await wallet.tokens(holder["session"])
    code = await wallet.code(holder["session"])
    clock.advance(seconds=601)  # OB_CODE_SECONDS is 600
    assert "expired" in assert_oauth_error(await wallet.exchange(code), 400, "invalid_grant")
    clock.advance(seconds=3000)  # the access token's 3600 seconds are over too
    response = await wallet.get("/credentials", tokens["access_token"])
    assert_imsx(response, 401, "unauthorizedrequest")
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert (await wallet.refresh(tokens["refresh_token"])).status_code == 200  # the refresh token lives on


async def test_concurrent_exchanges_of_one_code_grant_once(holder: Any, wallet: Wallet) -> None:
    code = await wallet.code(holder["session"])
    answers = await asyncio.gather(*(wallet.exchange(code) for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 400, 400, 400]


async def test_wrong_redirect_uri_is_refused(client: Client, holder: Any, wallet: Wallet) -> None:
    page = await wallet.consent_page(holder["session"], redirect_uri="https://wallet.example/elsewhere")
    assert page.status_code == 400
    assert "location" not in page.headers
    assert "redirect_uri" in page.text
    code = await wallet.code(holder["session"])
    response = await wallet.exchange(code, redirect_uri="https://wallet.example/elsewhere")
    assert "redirect_uri" in assert_oauth_error(response, 400, "invalid_grant")


async def test_unknown_client_is_refused(client: Client, holder: Any, wallet: Wallet) -> None:
    page = await wallet.consent_page(holder["session"], client_id="no-such-client-0000")
    assert page.status_code == 400
    assert "location" not in page.headers
    code = await wallet.code(holder["session"])
    wallet.client_id = "no-such-client-0000"
    response = await wallet.exchange(code)
    assert_oauth_error(response, 401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_wrong_client_secret_is_invalid_client(holder: Any, wallet: Wallet) -> None:
    code = await wallet.code(holder["session"])
    wallet.secret = secrets.token_urlsafe(32)
    assert_oauth_error(await wallet.exchange(code), 401, "invalid_client")


async def test_missing_scope_is_insufficient_scope(holder: Any, wallet: Wallet) -> None:
    answer = await wallet.approve(holder["session"], scope=READ_PROFILE)
    assert answer["scope"] == [READ_PROFILE]
    tokens = (await wallet.exchange(answer["code"][0])).json()
    response = await wallet.get("/credentials", tokens["access_token"])
    assert_imsx(response, 403, "forbidden")
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert (await wallet.get("/profile", tokens["access_token"])).status_code == 200
    unauthenticated = await wallet.http.get(f"{OB}/credentials")
    assert_imsx(unauthenticated, 401, "unauthorizedrequest")
    assert unauthenticated.headers["www-authenticate"] == 'Bearer realm="pai-verify"'


async def test_refresh_token_reuse_revokes_the_grant(holder: Any, wallet: Wallet) -> None:
    tokens = await wallet.tokens(holder["session"])
    renewed = (await wallet.refresh(tokens["refresh_token"])).json()
    assert "used already" in assert_oauth_error(await wallet.refresh(tokens["refresh_token"]), 400, "invalid_grant")
    assert_imsx(await wallet.get("/credentials", renewed["access_token"]), 401, "unauthorizedrequest")
    assert_oauth_error(await wallet.refresh(renewed["refresh_token"]), 400, "invalid_grant")


async def test_authorization_errors_go_back_to_the_client(holder: Any, wallet: Wallet) -> None:
    denied = await wallet.approve(holder["session"], decision="deny")
    assert (denied["error"], denied["state"]) == (["access_denied"], [wallet.state])
    for overrides, error in (
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"scope": "https://example.org/not-an-ob-scope"}, "invalid_scope"),
    ):
        response = await wallet.consent_page(holder["session"], **overrides)
        assert response.status_code == 302, response.text
        query = parse_qs(urlsplit(response.headers["location"]).query)
        assert (query["error"], query["state"]) == ([error], [wallet.state]), overrides


async def test_consent_form_refuses_another_site_and_a_missing_token(
    client: Client, holder: Any, wallet: Wallet
) -> None:
    fields = dict(parse_qs(wallet.authorize_query()), decision=["approve"])
    forged = await client.post(
        f"{OB}/authorize",
        data={k: v[0] for k, v in fields.items()},
        headers={"Origin": "https://evil.example", **signed_in(holder["session"])},
        follow_redirects=False,
    )
    assert forged.status_code == 400
    assert "location" not in forged.headers
    no_token = await client.post(
        f"{OB}/authorize",
        data={k: v[0] for k, v in fields.items()},
        headers={"Origin": BASE_URL, **signed_in(holder["session"])},
        follow_redirects=False,
    )
    assert no_token.status_code == 400
    assert "location" not in no_token.headers
    signed_out = await wallet.consent_page("not-a-session")
    assert signed_out.status_code == 401
    assert "Sign in" in signed_out.text
    assert "signing in brings you back to" in " ".join(signed_out.text.split())  # no need to find the request
    # Its sign-in link comes back to this very request once the holder has signed in (`next=`).
    sign_in = re.search(r'href="(/me/sign-in\?next=[^"]+)"', signed_out.text)
    assert sign_in is not None
    wanted = f"{urlsplit(OB).path}/authorize?{wallet.authorize_query()}"
    assert parse_qs(urlsplit(unescape(sign_in.group(1))).query)["next"] == [wanted]


REGISTRATION_REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"redirect_uris": ["http://wallet.example/callback"]}, "invalid_redirect_uri"),
    ({"redirect_uris": ["https://wallet.example/callback#frag"]}, "invalid_redirect_uri"),
    ({"redirect_uris": ["http://localhost:8123/callback"]}, "invalid_redirect_uri"),
    ({"redirect_uris": []}, "invalid_redirect_uri"),
    ({"client_uri": "https://elsewhere.example/"}, "invalid_client_metadata"),
    ({"grant_types": ["client_credentials"]}, "invalid_client_metadata"),
    ({"response_types": ["token"]}, "invalid_client_metadata"),
    ({"token_endpoint_auth_method": "none"}, "invalid_client_metadata"),
    ({"scope": "openid"}, "invalid_client_metadata"),
    ({"client_name": None}, "invalid_client_metadata"),
    ({"redirect_uris": "https://wallet.example/callback"}, "invalid_client_metadata"),
]


async def test_registration_refusals(client: Client) -> None:
    """RFC 7591 §3.2.2 and OB 3.0's rules, one case each (one app for all: each case is one request)."""
    failures = []
    for overrides, error in REGISTRATION_REFUSALS:
        body = {k: v for k, v in registration(**overrides).items() if v is not None}
        response = await client.post(f"{OB}/register", json=body)
        answer = response.json()
        if response.status_code != 400 or answer.get("error") != error or not answer.get("error_description"):
            failures.append((overrides, response.status_code, answer))
    assert failures == []
    malformed = await client.post(f"{OB}/register", content=b'{"client_name": "a", "client_name": "b"}')
    assert_oauth_error(malformed, 400, "invalid_client_metadata")


async def test_loopback_redirect_matches_any_port(client: Client, holder: Any) -> None:
    """RFC 8252 §7.3: a native wallet registers http://127.0.0.1/... and comes back on whichever port it got."""
    wallet = Wallet(client)
    await wallet.register(redirect_uris=["http://127.0.0.1/cb"])
    response = await wallet.consent_page(holder["session"], redirect_uri="http://127.0.0.1:51234/cb")
    assert response.status_code == 200, response.text
    other_path = await wallet.consent_page(holder["session"], redirect_uri="http://127.0.0.1:51234/other")
    assert other_path.status_code == 400


async def test_hostile_input_is_refused_in_each_standards_shape(client: Client, wallet: Wallet) -> None:
    """Malformed and oversized input at every endpoint: a 4xx in the endpoint's own error shape, never a 5xx."""
    failures: list[tuple[Any, ...]] = []
    token_cases: list[tuple[dict[str, str], bytes]] = [
        ({"Content-Type": "application/json"}, b'{"grant_type": "authorization_code"}'),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"grant_type=authorization_code&grant_type=x"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"\xff\xfe=\xff"),
        ({"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic %%%"}, b"grant_type=x"),
        ({"Content-Type": "application/x-www-form-urlencoded", "Authorization": "Bearer x"}, b"grant_type=x"),
        ({"Content-Type": "application/x-www-form-urlencoded", **basic("x" * 5000, "y")}, b"grant_type=x"),
        ({"Content-Type": "application/x-www-form-urlencoded"}, b"code=" + b"A" * 100_000),
        (
            {"Content-Type": "application/x-www-form-urlencoded", **basic(wallet.client_id, wallet.secret)},
            b"grant_type=password",
        ),
    ]
    for headers, body in token_cases:
        for path in ("/token", "/revoke"):
            response = await client.post(f"{OB}{path}", content=body, headers=headers)
            if not 400 <= response.status_code < 500 or "error" not in response.json():
                failures.append((path, headers, body[:40], response.status_code))
    for query in ("limit=-1", "limit=1&limit=2", "offset=x", "limit=" + "9" * 20, "since=2026-01-01T00:00:00"):
        response = await client.get(f"{OB}/credentials?{query}", headers={"Authorization": "Bearer " + "x" * 5000})
        if response.status_code != 401 or "imsx_codeMajor" not in response.json():
            failures.append(("/credentials", query, response.status_code))
    for query in ("client_id=a&client_id=b", "client_id=" + "x" * 5000, "redirect_uri=javascript:alert(1)", ""):
        response = await client.get(f"{OB}/authorize?{query}", follow_redirects=False)
        if response.status_code != 400 or "location" in response.headers:
            failures.append(("/authorize", query[:40], response.status_code))
    assert failures == []
