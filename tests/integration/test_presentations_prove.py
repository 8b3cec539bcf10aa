"""POST /presentations/prove: a presentation signed by the calling API client's own holder key (its did:key, created on
first use, a key file beside the signing key), never the PAI's; Data Integrity (eddsa-rdfc-2022, proofPurpose
authentication, challenge and domain) and vp+jwt. What it makes, POST /presentations/verify and POST /v1/verify
accept; tampered, or bound to another challenge or domain, they refuse; rotating or revoking the API key retires the
holder key, and what it signed is refused from then on.

Before: the route did not exist (404), and no API key could sign a presentation.
"""

from __future__ import annotations

import asyncio
import copy
import json
import stat
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import BASE_URL, api_key, app_settings
from tests.integration.test_vc_api import third_party_credential
from verify_api.db.pool import connect
from verify_api.proofs.multibase import decode_base64url, encode_base64url
from verify_api.services.api_clients import create_api_client, revoke_api_key, rotate_api_key
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path
    from uuid import UUID

    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from tests.conftest import MakeApp
    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

V2 = "https://www.w3.org/ns/credentials/v2"
VP_PREFIX = "data:application/vp+jwt,"
CHALLENGE, DOMAIN = "c-7f3a", "employer.example"
PASSPHRASE = "holder keys are encrypted like the signing keys"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """The holder keys lie beside SIGNING_KEY_PATH (which need not exist here: the app is given its issuer key)."""
    return app_settings(
        database_url,
        signing_key_path=str(tmp_path / "issuer.pem"),
        signing_key_passphrase=PASSPHRASE,
    )


@pytest.fixture
def holder_dir(tmp_path: Path) -> Path:
    return tmp_path / "issuer.holder-keys"


class Prover:
    """An API client with scope `prove`: its id (to rotate or revoke it) and its current secret."""

    def __init__(self, client_id: UUID, secret: str) -> None:
        self.id, self.secret = client_id, secret

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


@pytest.fixture
async def prover(database_url: str) -> Prover:
    conn = await connect(database_url)
    try:
        client_id, secret = await create_api_client(conn, "wallet", ["prove"], now=datetime.now(UTC))
    finally:
        await conn.close()
    return Prover(client_id, secret)


def presentation(*credentials: object, **members: Any) -> dict[str, Any]:
    return {"@context": [V2], "type": ["VerifiablePresentation"], "verifiableCredential": list(credentials), **members}


async def prove(client: Client, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = await client.post("/presentations/prove", json=body, headers=headers)
    return response.status_code, response.json()


async def signed(client: Client, prover: Prover, **options: Any) -> dict[str, Any]:
    options = {"challenge": CHALLENGE, "domain": DOMAIN, **options}
    status, body = await prove(
        client, prover.headers, {"presentation": presentation(third_party_credential()), "options": options}
    )
    assert status == 201, body
    vp: dict[str, Any] = body["verifiablePresentation"]
    return vp


async def verify(client: Client, vp: dict[str, Any], **options: Any) -> tuple[int, dict[str, Any]]:
    options = options or {"challenge": CHALLENGE, "domain": DOMAIN}
    response = await client.post("/presentations/verify", json={"verifiablePresentation": vp, "options": options})
    return response.status_code, response.json()


def details(body: dict[str, Any]) -> str:
    return " | ".join(p["detail"] for p in body.get("problemDetails", []))


def jwt_parts(envelope: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any], str]:
    assert envelope["type"] == "EnvelopedVerifiablePresentation"
    assert envelope["id"].startswith(VP_PREFIX)
    token = envelope["id"].removeprefix(VP_PREFIX)
    header, payload, signature = token.split(".")
    return json.loads(decode_base64url(header)), json.loads(decode_base64url(payload)), signature


async def test_a_data_integrity_presentation_is_signed_by_the_client_s_holder_key_and_verifies(
    client: Client, prover: Prover, holder_dir: Path, database_url: str
) -> None:
    vp = await signed(client, prover)
    holder = vp["holder"]
    assert holder.startswith("did:key:z6Mk")
    proof = vp["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "authentication"
    assert (proof["challenge"], proof["domain"]) == (CHALLENGE, DOMAIN)
    assert proof["verificationMethod"] == f"{holder}#{holder.removeprefix('did:key:')}"
    # Not the PAI's key, in any of its forms: its did:web and the did:key of its signing key.
    did_document = (await client.get("/.well-known/did.json")).json()
    pai_keys = {m["publicKeyMultibase"] for m in did_document["verificationMethod"]}
    assert holder.removeprefix("did:key:") not in pai_keys

    status, body = await verify(client, vp)
    assert status == 200, body
    assert body["verified"] is True
    assert body["results"]["holder"] == {"valid": True, "input": holder}

    # The private key is a key file beside the signing key: 0600 in a 0700 directory, encrypted, named by its key.
    files = list(holder_dir.iterdir())
    assert [f.name for f in files] == [f"{holder.removeprefix('did:key:')}.pem"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(holder_dir.stat().st_mode) == 0o700
    assert b"BEGIN ENCRYPTED PRIVATE KEY" in files[0].read_bytes()

    # The same client signs with the same key again; another client gets a key of its own.
    assert (await signed(client, prover))["holder"] == holder
    other = {"Authorization": f"Bearer {await api_key(database_url, ['prove'])}"}
    status, answer = await prove(client, other, {"presentation": presentation()})
    assert status == 201, answer
    assert answer["verifiablePresentation"]["holder"] not in (holder, None)


async def test_wrong_challenge_or_domain_and_tampering_are_refused(client: Client, prover: Prover) -> None:
    vp = await signed(client, prover)
    status, body = await verify(client, vp, challenge="another", domain=DOMAIN)
    assert status == 422
    assert body["verified"] is False
    assert "challenge" in details(body)
    status, body = await verify(client, vp, challenge=CHALLENGE, domain="attacker.example")
    assert status == 422
    assert "domain" in details(body)

    tampered = copy.deepcopy(vp)
    tampered["verifiableCredential"].append(third_party_credential())
    status, body = await verify(client, tampered)
    assert status == 422
    assert body["verified"] is False
    another_holder = copy.deepcopy(vp)
    another_holder["holder"] = "did:example:someone-else"
    status, body = await verify(client, another_holder)
    assert status == 422
    assert body["verified"] is False


async def test_a_vp_jwt_is_an_enveloped_presentation_of_the_holder_key(client: Client, prover: Prover) -> None:
    envelope = await signed(client, prover, format="application/vp+jwt")
    header, payload, _ = jwt_parts(envelope)
    holder = payload["holder"]
    assert header == {
        "alg": "EdDSA",
        "kid": f"{holder}#{holder.removeprefix('did:key:')}",
        "typ": "vp+jwt",
        "cty": "vp",
    }
    assert (payload["nonce"], payload["aud"]) == (CHALLENGE, DOMAIN)
    assert payload["type"] == ["VerifiablePresentation"]
    assert isinstance(payload["iat"], int)
    # The JWT and the Data Integrity proof are the same client's key.
    assert (await signed(client, prover))["holder"] == holder

    status, body = await verify(client, envelope)
    assert status == 200, body
    assert body["verified"] is True
    status, body = await verify(client, envelope, challenge="another", domain=DOMAIN)
    assert status == 422
    assert "nonce" in details(body)
    status, body = await verify(client, envelope, challenge=CHALLENGE, domain="attacker.example")
    assert status == 422
    assert "aud" in details(body)

    # Another payload under the same header and signature.
    token = envelope["id"].removeprefix(VP_PREFIX)
    head, _, signature = token.split(".")
    forged = {**payload, "nonce": "another"}
    forged_token = f"{head}.{encode_base64url(json.dumps(forged).encode())}.{signature}"
    status, body = await verify(
        client, {**envelope, "id": VP_PREFIX + forged_token}, challenge="another", domain=DOMAIN
    )
    assert status == 422
    assert "signature" in details(body)


async def test_v1_verify_accepts_a_proved_presentation(client: Client, prover: Prover) -> None:
    vp = await signed(client, prover)
    response = await client.post("/v1/verify", json=vp)
    assert response.status_code == 200, response.text
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["presentation"]["result"] == "passed", checks["presentation"]


async def test_only_a_key_with_scope_prove_signs(client: Client, database_url: str) -> None:
    body = {"presentation": presentation()}
    response = await client.post("/presentations/prove", json=body)
    assert response.status_code == 401
    for scopes in (["issue"], ["assess", "issue", "manage"]):
        headers = {"Authorization": f"Bearer {await api_key(database_url, scopes)}"}
        response = await client.post("/presentations/prove", json=body, headers=headers)
        assert response.status_code == 403, response.text
        assert "'prove'" in response.json()["detail"]


REFUSALS: list[tuple[dict[str, Any], int, str]] = [
    ({"presentation": presentation(holder="did:example:someone")}, 422, "holder"),
    ({"presentation": {**presentation(), "proof": {"type": "DataIntegrityProof"}}}, 422, "already has a proof"),
    ({"presentation": {"@context": [V2], "type": ["VerifiableCredential"]}}, 422, "VerifiablePresentation"),
    ({"presentation": {"type": ["VerifiablePresentation"]}}, 422, "@context"),
    ({"presentation": presentation("not a credential")}, 422, "verifiableCredential"),
    ({"presentation": presentation(), "options": {"proofPurpose": "assertionMethod"}}, 400, "proofPurpose"),
    ({"presentation": presentation(), "options": {"cryptosuite": "ecdsa-rdfc-2019"}}, 400, "cryptosuite"),
    ({"presentation": presentation(), "options": {"created": "2020-01-01T00:00:00Z"}}, 400, "created"),
    (
        {"presentation": presentation(), "options": {"format": "application/vp+jwt", "type": "DataIntegrityProof"}},
        422,
        "JWT",
    ),
    ({"presentation": presentation(), "options": {"verificationMethod": "did:key:z6MkX#z6MkX"}}, 422, "holder key"),
    ({"presentation": presentation(nonce="n"), "options": {"format": "application/vp+jwt"}}, 422, "nonce"),
]


async def test_what_is_not_an_unsecured_presentation_of_this_holder_is_refused(client: Client, prover: Prover) -> None:
    wrong = []
    for body, status, words in REFUSALS:
        response = await client.post("/presentations/prove", json=body, headers=prover.headers)
        problem = response.json()
        if (
            response.status_code != status
            or not response.headers["content-type"].startswith("application/problem+json")
            or words not in problem.get("detail", "")
        ):
            wrong.append(f"{body}: {response.status_code} {problem}")
    assert wrong == []


async def test_rotating_the_api_key_retires_the_holder_key(
    client: Client, prover: Prover, database_url: str, holder_dir: Path
) -> None:
    before = await signed(client, prover)
    before_jwt = await signed(client, prover, format="application/vp+jwt")
    assert (await verify(client, before))[0] == 200
    old_file = holder_dir / f"{before['holder'].removeprefix('did:key:')}.pem"
    assert old_file.exists()

    conn = await connect(database_url)
    try:
        rotated = await rotate_api_key(conn, prover.id, now=datetime.now(UTC))
    finally:
        await conn.close()
    prover.secret = rotated.secret

    for vp in (before, before_jwt):
        status, body = await verify(client, vp)
        assert status == 422, body
        assert "retired" in details(body)
    response = await client.post("/v1/verify", json=before)
    checks = {c["name"]: c for c in response.json()["checks"]}
    assert checks["presentation"]["result"] == "failed"
    assert "retired" in checks["presentation"]["detail"]

    after = await signed(client, prover)
    assert after["holder"] != before["holder"]
    assert (await verify(client, after))[0] == 200
    assert not old_file.exists()  # the retired key's private half is gone once its successor is in place
    assert [f.name for f in holder_dir.iterdir()] == [f"{after['holder'].removeprefix('did:key:')}.pem"]


async def test_revoking_the_api_key_retires_the_holder_key(client: Client, prover: Prover, database_url: str) -> None:
    vp = await signed(client, prover)
    conn = await connect(database_url)
    try:
        await revoke_api_key(conn, prover.id, now=datetime.now(UTC))
    finally:
        await conn.close()
    status, body = await verify(client, vp)
    assert status == 422
    assert "retired" in details(body)
    response = await client.post("/presentations/prove", json={"presentation": presentation()}, headers=prover.headers)
    assert response.status_code == 401


async def test_two_first_presentations_at_once_agree_on_one_key(
    client: Client, prover: Prover, holder_dir: Path
) -> None:
    first, second = await asyncio.gather(signed(client, prover), signed(client, prover))
    assert first["holder"] == second["holder"]
    assert [f.name for f in holder_dir.iterdir()] == [f"{first['holder'].removeprefix('did:key:')}.pem"]


async def test_no_holder_key_without_a_key_directory(
    make_app: MakeApp, database_url: str, prover: Prover, signer: Any
) -> None:
    """SIGNING_KEY_PATH unset (the holder keys lie beside it): 503, as for a missing signing key (the reason is
    the operator's, in the log), nothing signed."""
    from litestar.testing import AsyncTestClient

    from verify_api.services.context import IssuerKey

    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, notify_dispatch=False)
    app = make_app(settings, issuer_key=IssuerKey.for_settings(signer, settings))
    async with AsyncTestClient(app=app, base_url=BASE_URL) as plain:
        response = await plain.post(
            "/presentations/prove", json={"presentation": presentation()}, headers=prover.headers
        )
    assert response.status_code == 503
    assert response.json()["type"].endswith("/signing-key-unavailable")


async def test_a_key_directory_that_cannot_be_written_signs_nothing_and_leaves_no_key(
    client: Client, prover: Prover, holder_dir: Path, conn: Any
) -> None:
    """The holder key directory's place is taken by a file: 503 (the reason in the log), and no holder key row."""
    holder_dir.write_text("not a directory")
    response = await client.post("/presentations/prove", json={"presentation": presentation()}, headers=prover.headers)
    assert response.status_code == 503, response.text
    assert response.json()["type"].endswith("/signing-key-unavailable")
    assert await conn.fetchval("SELECT count(*) FROM holder_keys") == 0
