"""Every hostile input of issue 8 (and its relatives) thrown at every public route that takes input, through the
real app and PostgreSQL: the answer is a 4xx problem (or page), or a 200 not-verified report where the route always
reports, never a 5xx, and each within a time bound. One test per route family; each collects every failure before
it asserts, so one run names them all."""

from __future__ import annotations

import base64
import copy
import json
import time
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, FakeClock
from tests.factories import make_aida
from tests.integration.test_jose_presented import es256_credential
from tests.integration.test_verify_api import badge_content
from verify_api.badges.baking import bake_png
from verify_api.badges.png import render_badge_png_sync
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from litestar import Litestar

    from tests.conftest import MakeApp
    from tests.factories import Client
    from verify_api.services.context import IssuerKey

SLOW = 5.0  # seconds; every refusal here takes milliseconds, this only catches the quadratic and exponential

# Hostile values for a path segment or a query parameter, already percent-encoded.
URL_VALUES = [
    "%00",
    "a%00b",
    "%FF%FE",
    "%ED%A0%80",  # a UTF-16 surrogate written as UTF-8 (CESU-8)
    "%C0%80",  # an overlong NUL
    "%0D%0AX-Injected:%201",
    "%E2%80%AE",  # right-to-left override
    "x" * 8000,
    "1" + "0" * 5000,
    "-1",
    "NaN",
    "%F0%9F%98%80",
    "0001-01-01T00:00:00%2B14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T23:59:59.999999Z",
    "99999-01-01T00:00:00Z",
    "2026-13-45T25:61:61Z",
    "..%2F..%2Fetc%2Fpasswd",
    "%25",
]

# Routes that take a value, with {v} where it goes; {id} and {list} are a real credential and its status list.
GET_ROUTES = [
    "/v1/credentials/{v}",
    "/v1/credentials/{v}/vc",
    "/v1/credentials/{v}/history",
    "/v1/credentials/{v}/badge.svg",
    "/v1/credentials/{v}/badge.png",
    "/v1/credentials/{id}?at={v}",
    "/v1/credentials/{id}/badge.png?download={v}",
    "/v1/credentials/{id}/badge.svg?download={v}",
    "/v1/lookup?code={v}",
    "/v1/organizations?q={v}",
    "/v1/organizations/{v}",
    "/v1/status-lists/{v}",
    "/v1/status-lists/{list}?timestamp={v}",
    "/c/{v}",
    "/verify?q={v}",
    "/registry?q={v}",
]


@pytest.fixture
async def hostile_client(
    make_app: MakeApp, database_url: str, issuer_key: IssuerKey, clock: FakeClock
) -> AsyncIterator[Client]:
    """The real app with the verification rate limit lifted, so every input reaches its handler."""
    settings = load_settings(
        {},
        database_url=database_url,
        public_base_url=BASE_URL,
        pool_min=1,
        pool_max=4,
        verify_rate_limit_per_minute=10**6,
    )
    app: Litestar = make_app(settings, issuer_key=issuer_key, clock=clock)
    async with AsyncTestClient(app=app, base_url=BASE_URL) as client:
        yield client


@pytest.fixture
async def signed(hostile_client: Client, admin_headers: dict[str, str]) -> dict[str, Any]:
    credential = await make_aida(hostile_client, admin_headers)
    document: dict[str, Any] = (await hostile_client.get(f"/v1/credentials/{credential['id']}/vc")).json()
    return document


def hostile_documents(signed: dict[str, Any]) -> dict[str, bytes]:
    """Credential bodies: each one a way the attacks of issue 8 were, or could be, spelled."""
    text = json.dumps(signed)

    def edited(**changes: Any) -> bytes:
        document = copy.deepcopy(signed)
        document.update(changes)
        return json.dumps(document).encode()

    def with_proof(**changes: Any) -> bytes:
        document = copy.deepcopy(signed)
        document["proof"].update(changes)
        return json.dumps(document).encode()

    return {
        "duplicate id, forged first": ('{"id": "urn:uuid:00000000-0000-4000-8000-000000000000", ' + text[1:]).encode(),
        "duplicate validUntil": text.replace(
            '"validUntil"', '"validUntil": "2099-01-01T00:00:00Z", "validUntil"', 1
        ).encode(),
        "lone surrogate": text.replace('"validFrom"', '"name": "\\ud800", "validFrom"', 1).encode(),
        "lone low surrogate in a member name": text.replace('"validFrom"', '"\\udfff": 1, "validFrom"', 1).encode(),
        "NUL in a string": text.replace('"validFrom"', '"name": "a\\u0000b", "validFrom"', 1).encode(),
        "huge integer": text.replace('"validFrom"', '"n": 1' + "0" * 5000 + ', "validFrom"', 1).encode(),
        "2^64 integer": text.replace('"validFrom"', '"n": 18446744073709551616, "validFrom"', 1).encode(),
        "1e400": text.replace('"validFrom"', '"n": 1e400, "validFrom"', 1).encode(),
        "NaN": text.replace('"validFrom"', '"n": NaN, "validFrom"', 1).encode(),
        "deep arrays": text.replace('"validFrom"', '"n": ' + "[" * 5000 + "]" * 5000 + ', "validFrom"', 1).encode(),
        "very deep arrays": ("[" * 200_000 + "]" * 200_000).encode(),
        "deep objects": ('{"a": ' * 3000 + "1" + "}" * 3000).encode(),
        "400 KB base58 proofValue": with_proof(proofValue="z" + "2" * 400_000),
        "proofValue outside base58": with_proof(proofValue="z0OIl"),
        "proofValue not multibase": with_proof(proofValue="u" + "A" * 86),
        "huge verificationMethod did:key": with_proof(verificationMethod="did:key:z" + "2" * 400_000),
        "extreme validUntil": edited(validUntil="9999-12-31T23:59:59-14:00"),
        "extreme validFrom": edited(validFrom="0001-01-01T00:00:00+14:00"),
        "validFrom not a date": edited(validFrom="1" + "0" * 5000),
        "not JSON": b'{"@context": ',
        "not UTF-8": b'{"a": "\xff\xfe"}',
        "UTF-16": text.encode("utf-16"),
        "empty": b"",
        "whitespace": b" \r\n\t ",
        "a JSON string": json.dumps(text).encode(),
        "a JSON array": b"[" + text.encode() + b"]",
    }


def jwt_bodies() -> dict[str, bytes]:
    valid = es256_credential()
    header, payload, signature = valid.split(".")
    return {
        "typ vp+jwt": es256_credential({"typ": "vp+jwt"}).encode(),
        "duplicate alg": (
            base64.urlsafe_b64encode(b'{"alg": "ES256", "alg": "none"}').rstrip(b"=")
            + f".{payload}.{signature}".encode()
        ),
        "huge signature": f"{header}.{payload}.{'A' * 200_000}".encode(),
        "huge header": f"{'A' * 300_000}.{payload}.{signature}".encode(),
        "header not JSON": f"{base64.urlsafe_b64encode(b'{').decode().rstrip('=')}.{payload}.{signature}".encode(),
        "padding": f"{header}==.{payload}.{signature}".encode(),
        "four parts": f"{valid}.x".encode(),
    }


def badge_bodies(signed: dict[str, Any]) -> dict[str, tuple[bytes, str]]:
    forged = hostile_documents(signed)["duplicate id, forged first"].decode()
    png = render_badge_png_sync(badge_content())
    svg_head = b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">'
    return {
        "SVG with unknown encoding": (
            b'<?xml version="1.0" encoding="x-unknown"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "image/svg+xml",
        ),
        "SVG in UTF-7": (
            b'<?xml version="1.0" encoding="UTF-7"?><svg xmlns="http://www.w3.org/2000/svg"/>',
            "image/svg+xml",
        ),
        "SVG entity bomb": (
            b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa">]><svg xmlns="http://www.w3.org/2000/svg">&a;</svg>',
            "image/svg+xml",
        ),
        "SVG non-UTF-8 credential": (
            svg_head + b"<openbadges:credential>\xff\xfe</openbadges:credential></svg>",
            "image/svg+xml",
        ),
        "SVG deep nesting": (svg_head + b"<g>" * 5000 + b"</g>" * 5000 + b"</svg>", "image/svg+xml"),
        "PNG with duplicate-member credential": (bake_png(png, forged), "image/png"),
        "PNG truncated": (png[: len(png) // 2], "image/png"),
        "PNG signature only": (png[:8], "image/png"),
        "PNG header claiming 4 GB chunk": (png[:8] + b"\xff\xff\xff\xffIHDR" + b"\x00" * 20, "image/png"),
    }


def _record(
    failures: list[str], label: str, response: Any, elapsed: float, *, report: bool, genuine: bool = False
) -> None:
    """`report`: the route always reports, so a 200 must say not verified. `genuine`: the request names a genuine
    credential, so only the status and the time are judged."""
    status = response.status_code
    if status >= 500:
        failures.append(f"{label}: {status} {response.text[:200]}")
    elif elapsed > SLOW:
        failures.append(f"{label}: took {elapsed:.1f} s")
    elif report and status == 200 and "application/json" in response.headers.get("content-type", ""):
        if response.json().get("verified") is not False:
            failures.append(f"{label}: verified {response.json().get('verified')!r}")
    elif genuine:
        return
    elif not report and status == 200 and response.headers.get("content-type", "").startswith("application/json"):
        body = response.json()
        if isinstance(body, dict) and body.get("verified") is True:
            failures.append(f"{label}: verified true")


async def _timed(call: Any) -> tuple[Any, float]:
    start = time.perf_counter()
    response = await call
    return response, time.perf_counter() - start


async def test_public_get_routes_never_5xx(hostile_client: Client, signed: dict[str, Any]) -> None:
    credential_id = signed["id"].rsplit("/", 1)[-1]
    list_id = signed["credentialStatus"][0]["statusListCredential"].rsplit("/", 1)[-1]
    failures: list[str] = []
    for route in GET_ROUTES:
        for value in URL_VALUES:
            path = route.format(v=value, id=credential_id, list=list_id)
            response, elapsed = await _timed(hostile_client.get(path, headers={"Accept": "application/json"}))
            _record(failures, f"GET {path[:90]}", response, elapsed, report=False)
            problem = response.headers["content-type"].startswith("application/problem+json")
            if 400 <= response.status_code < 500 and route.startswith("/v1") and not problem:
                failures.append(f"GET {path[:90]}: {response.status_code} without problem+json")
    assert not failures, "\n".join(failures)


async def test_public_get_routes_with_hostile_headers_never_5xx(hostile_client: Client, signed: dict[str, Any]) -> None:
    credential_id = signed["id"].rsplit("/", 1)[-1]
    headers: list[dict[str, str | bytes]] = [
        {"Accept": "text/html;q=abc, application/json;q=-1"},
        {"Accept": "text/html" + ";q=0.5" * 2000},
        {"Accept": "*/*;;;,,,"},
        {"If-None-Match": "x" * 8000},
        {"Accept-Language": "\u00ff".encode("latin-1") * 100},
        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
    ]
    failures: list[str] = []
    for path in (f"/v1/credentials/{credential_id}", f"/v1/credentials/{credential_id}/badge.svg", "/registry"):
        for header in headers:
            response, elapsed = await _timed(hostile_client.get(path, headers=header))  # type: ignore[arg-type]
            _record(failures, f"GET {path} {sorted(header)}", response, elapsed, report=False, genuine=True)
    assert not failures, "\n".join(failures)


async def test_post_v1_verify_always_reports_not_verified(hostile_client: Client, signed: dict[str, Any]) -> None:
    failures: list[str] = []
    for name, body in hostile_documents(signed).items():
        for content_type in ("application/json", "application/vc", "application/ld+json; charset=utf-8", "text/plain"):
            response, elapsed = await _timed(
                hostile_client.post("/v1/verify", content=body, headers={"Content-Type": content_type})
            )
            _record(failures, f"POST /v1/verify {name} as {content_type}", response, elapsed, report=True)
            if response.status_code != 200:
                failures.append(f"POST /v1/verify {name} as {content_type}: {response.status_code}, not a report")
        response, elapsed = await _timed(hostile_client.post("/v1/verify", files={"credential": (None, body)}))
        _record(failures, f"POST /v1/verify {name} as a form field", response, elapsed, report=True)
        response, elapsed = await _timed(
            hostile_client.post("/v1/verify", files={"file": ("c.json", body, "application/json")})
        )
        _record(failures, f"POST /v1/verify {name} as a form file", response, elapsed, report=True)
    for name, body in jwt_bodies().items():
        for content_type in ("application/vc+jwt", "application/jwt", "text/plain"):
            response, elapsed = await _timed(
                hostile_client.post("/v1/verify", content=body, headers={"Content-Type": content_type})
            )
            _record(failures, f"POST /v1/verify {name} as {content_type}", response, elapsed, report=True)
    for name, (body, media) in badge_bodies(signed).items():
        response, elapsed = await _timed(
            hostile_client.post("/v1/verify", content=body, headers={"Content-Type": media})
        )
        _record(failures, f"POST /v1/verify {name}", response, elapsed, report=True)
        response, elapsed = await _timed(hostile_client.post("/v1/verify", files={"file": ("badge", body, media)}))
        _record(failures, f"POST /v1/verify {name} uploaded", response, elapsed, report=True)
    odd_types = [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        'multipart/form-data; boundary="' + "b" * 5000 + '"',
        "application/json; charset=utf-16",
        "image/png; " + "a=b;" * 2000,
    ]
    for content_type in odd_types:
        response, elapsed = await _timed(
            hostile_client.post("/v1/verify", content=b"--b\r\n\xff\r\n--b--", headers={"Content-Type": content_type})
        )
        _record(failures, f"POST /v1/verify Content-Type {content_type[:40]}", response, elapsed, report=True)
    assert not failures, "\n".join(failures)


async def test_vc_api_verify_routes_answer_4xx(hostile_client: Client, signed: dict[str, Any]) -> None:
    failures: list[str] = []
    for name, body in hostile_documents(signed).items():
        if name in ("400 KB base58 proofValue", "huge verificationMethod did:key"):
            wrapped = b'{"verifiableCredential": ' + body + b"}"  # above MAX_BODY_BYTES? then 413, also fine
        else:
            wrapped = b'{"verifiableCredential": ' + (body or b"null") + b"}"
        for path, member in (
            ("/credentials/verify", b"verifiableCredential"),
            ("/presentations/verify", b"verifiablePresentation"),
        ):
            request = wrapped.replace(b"verifiableCredential", member, 1)
            response, elapsed = await _timed(
                hostile_client.post(path, content=request, headers={"Content-Type": "application/json"})
            )
            label = f"POST {path} {name}"
            _record(failures, label, response, elapsed, report=False)
            if response.status_code == 200 and path == "/credentials/verify":
                failures.append(f"{label}: 200")
            if response.status_code == 200 and response.json().get("verified") is not False:
                failures.append(f"{label}: 200 verified {response.json().get('verified')!r}")
        raw, elapsed = await _timed(
            hostile_client.post("/credentials/verify", content=body, headers={"Content-Type": "application/json"})
        )
        _record(failures, f"POST /credentials/verify raw {name}", raw, elapsed, report=False)
        if raw.status_code < 400:
            failures.append(f"POST /credentials/verify raw {name}: {raw.status_code}")
    for name, token in jwt_bodies().items():
        enveloped = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["EnvelopedVerifiableCredential"],
            "id": "data:application/vc+jwt," + token.decode(),
        }
        response, elapsed = await _timed(
            hostile_client.post("/credentials/verify", json={"verifiableCredential": enveloped})
        )
        _record(failures, f"POST /credentials/verify enveloped {name}", response, elapsed, report=False)
        if response.status_code < 400:
            failures.append(f"POST /credentials/verify enveloped {name}: {response.status_code}")
    assert not failures, "\n".join(failures)


async def test_verify_page_form_never_5xx_or_valid(hostile_client: Client, signed: dict[str, Any]) -> None:
    failures: list[str] = []
    for name, body in hostile_documents(signed).items():
        for form in (
            {"files": {"credential": (None, body)}},
            {"files": {"badge": ("c.json", body, "application/json")}},
        ):
            response, elapsed = await _timed(hostile_client.post("/verify", **form))
            _record(failures, f"POST /verify {name} {list(form['files'])}", response, elapsed, report=False)
            if "Valid." in response.text:
                failures.append(f"POST /verify {name}: shown as valid")
        if body and b"\x00" not in body:
            try:
                text = body.decode()
            except UnicodeDecodeError:
                continue
            response, elapsed = await _timed(hostile_client.post("/verify", data={"credential": text}))
            _record(failures, f"POST /verify {name} url-encoded", response, elapsed, report=False)
    for name, (body, media) in badge_bodies(signed).items():
        response, elapsed = await _timed(hostile_client.post("/verify", files={"badge": ("badge", body, media)}))
        _record(failures, f"POST /verify {name}", response, elapsed, report=False)
    multipart = "multipart/form-data; boundary=b"
    raw_forms = [
        b'--b\r\nContent-Disposition: form-data; name="credential"\r\n\r\n\xff\xfe\r\n--b--\r\n',
        b'--b\r\nContent-Disposition: form-data; name="credential"; charset=x-unknown\r\n\r\nabc\r\n--b--\r\n',
        b'--b\r\nContent-Disposition: form-data; name="badge"; filename="\xff.svg"\r\n\r\n<svg/>\r\n--b--\r\n',
        b"--b\r\n\r\n\r\n--b--\r\n",
        b"--x\r\ngarbage",
        b"",
    ]
    for body in raw_forms:
        response, elapsed = await _timed(
            hostile_client.post("/verify", content=body, headers={"Content-Type": multipart})
        )
        _record(failures, f"POST /verify raw form {body[:40]!r}", response, elapsed, report=False)
    for content_type in ("application/x-www-form-urlencoded", "text/plain", "application/json"):
        response, elapsed = await _timed(
            hostile_client.post(
                "/verify", content=b"credential=%ff%00%ED%A0%80", headers={"Content-Type": content_type}
            )
        )
        _record(failures, f"POST /verify {content_type}", response, elapsed, report=False)
    assert not failures, "\n".join(failures)
