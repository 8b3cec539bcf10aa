"""The report an employer can act on: whose credential it is, what differs from the register, the live status with
its date, humane reasons on pages (codes in JSON), human dates on pages and RFC 3339 in JSON."""

from __future__ import annotations

import html
import json
from typing import TYPE_CHECKING, Any

from tests.factories import Client, make_aida

if TYPE_CHECKING:
    from tests.conftest import FakeClock


async def signed(client: Client, credential_id: str) -> bytes:
    return (await client.get(f"/v1/credentials/{credential_id}/vc")).content


async def verify_json(client: Client, body: bytes) -> dict[str, Any]:
    response = await client.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


async def verify_page(client: Client, body: bytes) -> str:
    response = await client.post("/verify", files={"credential": (None, body.decode())})
    assert response.status_code == 200, response.text
    return html.unescape(response.text)


async def test_report_names_the_subject_as_the_register_holds_it(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper")
    report = await verify_json(client, await signed(client, credential["id"]))
    entry = report["registerEntry"]
    assert entry["subjectName"] == "Grace Hopper"
    assert entry["subjectKind"] == "person"
    assert entry["tier"] == "AIDA"
    assert entry["tierTitle"] == "AIDA: PSF Foundations"
    assert "foundational knowledge" in entry["tierMeaning"]
    assert entry["validFrom"] == "2026-11-27T09:00:00Z"  # RFC 3339 in JSON
    assert entry["state"] == "valid"
    assert report["differences"] == []
    page = await verify_page(client, await signed(client, credential["id"]))
    assert "Grace Hopper" in page
    assert "27 November 2026" in page  # a human date on the page
    assert "2026-11-27T" not in page.split('id="report"', 1)[1].split("</section>", 1)[0]


async def test_tampered_name_says_what_differs_and_nothing_stays_green(
    client: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper")
    document = json.loads(await signed(client, credential["id"]))
    document["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Forger"
    body = json.dumps(document).encode()
    report = await verify_json(client, body)
    assert report["differences"] == [
        {
            "claim": "subject name",
            "path": "credentialSubject.identifier[0].identityHash",
            "presented": "Mallory Forger",
            "register": "Grace Hopper",
        }
    ]
    assert report["registerEntry"]["subjectName"] == "Grace Hopper"
    results = {c["name"]: c for c in report["checks"]}
    assert results["proof"]["result"] == "failed"
    # Every row the proof vouches for is "could not check", never passed.
    assert [c["name"] for c in report["checks"] if c["result"] == "passed"] == ["format"]
    assert results["issuer"]["result"] == "could not check"
    for name in ("valid from", "valid until"):
        assert results[name]["result"] == "could not check"
        assert results[name]["detail"].startswith("not checked: the proof does not hold")
    assert 'the register says "Grace Hopper"' in results["register"]["detail"]
    page = await verify_page(client, body)
    table = page.split('<table class="differences">', 1)[1].split("</table>", 1)[0]
    assert "Mallory Forger" in table
    assert "Grace Hopper" in table
    checks = page.split('<ul class="checks">', 1)[1].split("</ul>", 1)[0]
    assert checks.count("check-passed") == 1  # the format row alone


async def test_revoked_report_gives_the_date_and_hides_the_reason_code_on_pages(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper")
    clock.advance(days=5)
    revoked = await client.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "misconduct"}, headers=admin_headers
    )
    assert revoked.status_code == 200, revoked.text
    report = await verify_json(client, await signed(client, credential["id"]))
    assert report["reason"] == "misconduct"  # the code stays in the JSON for integrators
    assert report["since"] == "2026-12-02T09:00:00Z"
    assert report["registerEntry"]["state"] == "revoked"
    page = await verify_page(client, await signed(client, credential["id"]))
    assert "Revoked by the PAI on 2 December 2026" in page
    assert "misconduct" not in page
    badge_page = html.unescape((await client.get(f"/c/{credential['id']}")).text)
    assert "revoked by the PAI on 2 December 2026" in badge_page
    assert "misconduct" not in badge_page


async def test_a_readable_reason_is_worded_on_pages(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    clock.advance(days=1)
    suspended = await client.post(
        f"/v1/credentials/{credential['id']}/suspend", json={"reason": "holder_request"}, headers=admin_headers
    )
    assert suspended.status_code == 200, suspended.text
    page = await verify_page(client, await signed(client, credential["id"]))
    assert "suspended by the PAI on 28 November 2026: at the holder's request" in page
    assert "holder_request" not in page


async def test_typing_a_name_is_not_called_a_typo(client: Client) -> None:
    response = await client.get("/verify", params={"q": "Grace Hopper"})
    assert response.status_code == 422
    assert "Credentials are not looked up by name" in response.text
    assert "That code has a typo" not in response.text
