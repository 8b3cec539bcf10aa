"""POST /verify (the employer's form) refuses cross-site posts: a fraudster's page could otherwise post a forged
credential and land an employer on our report page. Real headers through the real app."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.integration.test_verify_api import signed_document
from verify_api.api.pages import origin_of

if TYPE_CHECKING:
    from tests.factories import Client


@pytest.fixture
async def credential_text(client: Client, admin_headers: dict[str, str]) -> str:
    credential = await make_aida(client, admin_headers)
    return (await signed_document(client, credential["id"])).decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another party
        {"Origin": "https://attacker.example"},
        {"Origin": "null"},  # sandboxed iframes, data: URLs, no-referrer pages elsewhere
        {"Sec-Fetch-Site": "cross-site", "Origin": "null"},
        {"Origin": "http://verify.test.example"},  # same host, other scheme: another origin
        {"Origin": "https://verify.test.example:8443"},
        {"Origin": "https://verify.test.example.attacker.example"},
        {"Sec-Fetch-Site": "same-origin", "Origin": "https://attacker.example"},
        {"Sec-Fetch-Site": "cross-site", "Origin": BASE_URL},
    ],
)
async def test_cross_site_post_is_403_and_says_why(
    client: Client, credential_text: str, headers: dict[str, str]
) -> None:
    response = await client.post("/verify", data={"credential": credential_text}, headers=headers)
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "Form from another site refused" in response.text
    assert "another site" in response.text or "not from https://verify.test.example" in response.text
    assert "verification report" not in response.text.lower()


@pytest.mark.parametrize(
    "headers",
    [
        {},  # curl, scripts, older browsers: no Fetch Metadata, no Origin
        {"Sec-Fetch-Site": "same-origin", "Origin": BASE_URL},
        {"Sec-Fetch-Site": "same-origin"},
        {"Origin": BASE_URL},
        {"Origin": "HTTPS://Verify.Test.Example:443"},  # the same origin, spelled differently
        {"Sec-Fetch-Site": "none"},  # the user's own action (typed, bookmarked)
        {"Sec-Fetch-Site": "same-origin", "Origin": "null"},  # what Chromium sends from a no-referrer page
    ],
)
async def test_same_origin_or_headerless_post_is_verified(
    client: Client, credential_text: str, headers: dict[str, str]
) -> None:
    response = await client.post("/verify", data={"credential": credential_text}, headers=headers)
    assert response.status_code == 200, response.text
    assert "Verification report" in response.text


async def test_cross_site_upload_is_refused_before_the_body_is_read(client: Client) -> None:
    """The refusal comes first: even a body the form reader would choke on is a 403, not a 400 or a report."""
    body = b'--b\r\nContent-Disposition: form-data; name="credential"\r\n\r\n\xff\xfe\r\n--b--\r\n'
    headers = {"Content-Type": "multipart/form-data; boundary=b", "Sec-Fetch-Site": "cross-site"}
    response = await client.post("/verify", content=body, headers=headers)
    assert response.status_code == 403


async def test_pages_send_a_referrer_policy_that_keeps_the_origin_on_our_own_posts(client: Client) -> None:
    """Under no-referrer a browser sends `Origin: null` even on a same-origin form post (Fetch: "serializing a
    request origin"); same-origin keeps referrers from other sites just the same."""
    page = await client.get("/verify")
    assert page.headers["referrer-policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in page.text


def test_origin_of_serialises_as_browsers_do() -> None:
    assert origin_of("https://verify.example.org/") == "https://verify.example.org"
    assert origin_of("https://verify.example.org:443/base") == "https://verify.example.org"
    assert origin_of("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    assert origin_of("http://[::1]:8000/") == "http://[::1]:8000"
    assert origin_of("null") == "null"
    assert origin_of("https://host:99999") == "null"
