"""Every request example the OpenAPI document shows is posted to the real app (real PostgreSQL) and accepted.

Each example names its ids through api.openapi_examples' EXAMPLE_* constants; here a real holder (with a passed
exam), organisation or credential of this database takes each one's place, as do the path parameters. An example
must then be answered 2xx: one the document shows but the app refuses is a broken contract. The few refused on
purpose are listed in REFUSED with the reason, exactly (status and problem type, or verdict). A new route's examples
are posted too; one whose path names a parameter without a fixture here fails with its name.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import BASE_URL, api_key, app_settings
from tests.factories import make_aida, make_exam, make_holder, make_organization
from verify_api.api.docs_page import OPENAPI_JSON
from verify_api.api.openapi_examples import (
    EXAMPLE_CREDENTIAL_ID,
    EXAMPLE_HOLDER_ID,
    EXAMPLE_ISSUER_DID,
    EXAMPLE_ORGANIZATION_ID,
    EXAMPLE_ORIGIN,
)
from verify_api.domain.credential import did_web_for
from verify_api.domain.lifecycle import REASONS

if TYPE_CHECKING:
    from pathlib import Path

    from tests.factories import Client
    from verify_api.settings import Settings

PROBLEM = "application/problem+json"
PAI = "https://verify.productionai.institute/problems/"

# (operation id, example key) -> (status, problem type or verdict body's `verified`) of an example refused on purpose.
REFUSED: dict[tuple[str, str], tuple[int, str | bool | None]] = {
    # The fixture organisation has no certified staff and no deliverables review: the CAI rule is not met.
    ("IssueCredential", "a-cai-for-an-organisation-jcs-signed"): (422, PAI + "tier-rule-not-met"),
    # The example's proof value is illustrative, so the VC API answers with its verdict: well-formed, not verified.
    ("VcApiVerifyCredential", "a-credential"): (422, False),
    ("VcApiVerifyPresentation", "a-presentation-with-challenge-and-domain"): (422, False),
    # The example's host is a public name, and the tests reach nothing beyond 127.0.0.1: its target check refuses it.
    ("CreateWebhook", "the-crm-told-of-every-change-of-standing"): (422, PAI + "invalid-input"),
    # OID4VCI: the spec's example code was never offered here (a 400 `invalid_grant`), and the credential request
    # is sent without the access token only a real flow has (a 401 `invalid_token`); tests/integration/test_oid4vci.py
    # runs the flow with real ones.
    ("RedeemPreAuthorizedCode", "a-pre-authorized-code"): (400, None),
    ("IssueWalletCredential", "an-ldp-vc-for-a-did-key-wallet"): (401, None),
}


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """SIGNING_KEY_PATH set, so POST /presentations/prove has a directory for the client's holder key."""
    return app_settings(
        database_url,
        signing_key_path=str(tmp_path / "issuer.pem"),
    )


@pytest.fixture
async def admin_headers(database_url: str) -> dict[str, str]:
    """Every scope, `prove` included (POST /presentations/prove's examples)."""
    return {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue', 'manage', 'prove'])}"}


class Fixtures:
    """Fresh data of this database for the ids an example or a path names."""

    def __init__(self, client: Client, headers: dict[str, str]) -> None:
        self.client, self.headers = client, headers

    async def holder(self) -> str:
        holder = await make_holder(self.client, self.headers, displayName="Ada Lovelace")
        await make_exam(self.client, self.headers, holder["id"])  # enough for an AIDA
        return str(holder["id"])

    async def organization(self) -> str:
        return str((await make_organization(self.client, self.headers))["id"])

    async def credential(self, operation_id: str) -> str:
        credential_id = str((await make_aida(self.client, self.headers))["id"])
        if operation_id == "ReinstateCredential":
            await self._post(f"/v1/credentials/{credential_id}/suspend", {"reason": "under_investigation"})
        return credential_id

    async def api_key(self) -> str:
        created = await self._post("/v1/api-keys", {"name": "example key", "scopes": ["assess"]})
        return str(created["apiKey"]["id"])

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = await self.client.post(path, json=body, headers=self.headers)
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    async def substitute(self, operation_id: str, path: str, value: Any) -> tuple[str, Any]:
        """The path with each parameter filled, and the example with each EXAMPLE_* id replaced by a real one."""
        text = json.dumps(value)
        if str(EXAMPLE_HOLDER_ID) in text:
            text = text.replace(str(EXAMPLE_HOLDER_ID), await self.holder())
        if str(EXAMPLE_ORGANIZATION_ID) in text:
            text = text.replace(str(EXAMPLE_ORGANIZATION_ID), await self.organization())
        if EXAMPLE_CREDENTIAL_ID in text:
            text = text.replace(EXAMPLE_CREDENTIAL_ID, await self.credential(operation_id))
        text = text.replace(EXAMPLE_ISSUER_DID, did_web_for(BASE_URL)).replace(EXAMPLE_ORIGIN, BASE_URL)
        for parameter in re.findall(r"\{(\w+)\}", path):
            filler = {
                "credential_id": lambda: self.credential(operation_id),
                "org_id": self.organization,
                "holder_id": self.holder,
                "key_id": self.api_key,
            }.get(parameter)
            assert filler is not None, f"{operation_id}: no fixture for path parameter {{{parameter}}} in this test"
            path = path.replace(f"{{{parameter}}}", await filler())
        return path, json.loads(text)


def _request_examples(document: dict[str, Any]) -> list[tuple[str, str, str, str, str, Any]]:
    """(method, path, operation id, media type, example key, value) of every request example."""
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}) if isinstance(operation, dict) else {}
            for media, body in content.items():
                for key, shown in body.get("examples", {}).items():
                    found.append((method, path, operation["operationId"], media, key, shown["value"]))
    return found


async def _send(client: Client, method: str, path: str, media: str, value: Any, headers: dict[str, str]) -> Any:
    if media == "multipart/form-data":
        form = {name: (None, field) for name, field in value.items()}
        return await client.request(method, path, files=form, headers=headers)
    body = value if isinstance(value, str) else json.dumps(value)
    return await client.request(method, path, content=body, headers={**headers, "Content-Type": media})


def _outcome(response: Any) -> tuple[int, str | bool | None]:
    media = response.headers.get("content-type", "")
    if media.startswith(PROBLEM):
        return response.status_code, response.json()["type"]
    if media.startswith("application/json") and isinstance(response.json(), dict):
        return response.status_code, response.json().get("verified")
    return response.status_code, None


async def test_every_request_example_is_accepted(client: Client, admin_headers: dict[str, str]) -> None:
    document = (await client.get(OPENAPI_JSON)).json()
    examples = _request_examples(document)
    assert len(examples) >= 25
    fixtures = Fixtures(client, admin_headers)
    wrong = []
    for method, template, operation_id, media, key, value in examples:
        path, body = await fixtures.substitute(operation_id, template, value)
        response = await _send(client, method.upper(), path, media, body, admin_headers)
        status, what = _outcome(response)
        refused = REFUSED.get((operation_id, key))
        if refused is not None:
            if (status, what) != refused:
                wrong.append(f"{operation_id} {key!r}: expected {refused}, got {status} {response.text[:300]}")
        elif not 200 <= status < 300:
            wrong.append(
                f"{method.upper()} {template} ({operation_id}) example {key!r} [{media}]: {status} "
                f"{response.text[:300]}"
            )
    assert wrong == [], "\n".join(wrong)
    shown = {(operation_id, key) for _, _, operation_id, _, key, _ in examples}
    assert set(REFUSED) <= shown, f"REFUSED names examples the document no longer shows: {set(REFUSED) - shown}"


async def test_a_reason_of_another_action_is_a_422_listing_this_action_s_reasons(
    client: Client, admin_headers: dict[str, str]
) -> None:
    """Each action's enum is enforced by the server: a code of another action (one the body's shape accepts, a
    string) is refused with a 422 problem naming every code this action accepts, and nothing changes."""
    credential = await make_aida(client, admin_headers)
    for action, reasons in REASONS.items():
        other = next(code for codes in REASONS.values() for code in codes if code not in reasons)
        path = f"/v1/credentials/{credential['id']}/{action}"
        response = await client.post(path, json={"reason": other}, headers=admin_headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith(PROBLEM)
        problem = response.json()
        assert problem["type"] == PAI + "invalid-input"
        assert f"got {other!r}" in problem["detail"]
        assert all(code in problem["detail"] for code in reasons), problem["detail"]
    lookup = await client.get(f"/v1/credentials/{credential['id']}")
    assert lookup.json()["status"] == "active"
