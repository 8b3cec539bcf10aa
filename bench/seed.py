"""Seed data through the real HTTP API (in process, via AsyncTestClient), as tests/factories.py does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from verify_api.app import create_app
from verify_api.db.pool import connect
from verify_api.services.api_clients import create_api_client

if TYPE_CHECKING:
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

CRYPTOSUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")
Client = AsyncTestClient[Litestar]


@dataclass(frozen=True)
class SeededData:
    api_key: str
    # Credential ids by cryptosuite, each issued to its own holder after a passed exam.
    credential_ids: dict[str, list[str]]
    # One signed document per cryptosuite, as stored (for signing and verification micro-benchmarks).
    documents: dict[str, bytes]

    @property
    def all_credential_ids(self) -> list[str]:
        by_suite = list(self.credential_ids.values())
        return [cid for group in zip(*by_suite, strict=False) for cid in group]


async def create_admin_key(database_url: str) -> str:
    conn = await connect(database_url)  # with the app's jsonb codec (the key's audit event carries a JSON object)
    try:
        _, secret = await create_api_client(conn, "bench", ["assess", "issue", "manage"], now=datetime.now(UTC))
    finally:
        await conn.close()
    return secret


async def _post(client: Client, headers: dict[str, str], path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body, headers=headers)
    if response.status_code != 201:
        raise RuntimeError(f"seeding: POST {path} answered {response.status_code}: {response.text[:300]}")
    result: dict[str, Any] = response.json()
    return result


async def make_examined_holder(client: Client, headers: dict[str, str], name: str) -> str:
    """A holder with a passed AIDA exam: ready for an AIDA credential."""
    holder = await _post(client, headers, "/v1/holders", {"displayName": name})
    exam = {"kind": "exam", "holderId": holder["id"], "score": 85, "maxScore": 100}
    await _post(client, headers, "/v1/assessments", exam)
    return str(holder["id"])


async def seed_through_api(settings: Settings, issuer_key: IssuerKey, *, holders: int) -> SeededData:
    assert settings.database_url is not None
    api_key = await create_admin_key(settings.database_url)
    headers = {"Authorization": f"Bearer {api_key}"}
    ids: dict[str, list[str]] = {suite: [] for suite in CRYPTOSUITES}
    documents: dict[str, bytes] = {}
    app = create_app(settings, issuer_key=issuer_key)
    async with AsyncTestClient(app=app, base_url=settings.base_url) as client:
        for n in range(holders):
            suite = CRYPTOSUITES[n % len(CRYPTOSUITES)]
            holder_id = await make_examined_holder(client, headers, f"Bench Holder {n}")
            body = {"tier": "AIDA", "holderId": holder_id, "cryptosuite": suite}
            issued = await _post(client, headers, "/v1/credentials", body)
            ids[suite].append(str(issued["id"]))
            if suite not in documents:
                document = await client.get(f"/v1/credentials/{issued['id']}/vc")
                documents[suite] = document.content
    return SeededData(api_key=api_key, credential_ids=ids, documents=documents)
