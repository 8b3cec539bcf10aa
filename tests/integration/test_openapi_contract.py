"""schemathesis over the real app (granian on 127.0.0.1, real PostgreSQL): every operation of the served OpenAPI
document, a bounded number of generated requests each (valid and invalid ones), with an admin API key.

It fails on any 5xx, any status code or Content-Type the document does not declare for that operation, a response
header or body that does not match the document, a 405 without `Allow`, and a route that answers without the
key it requires. One module-scoped server and database; 15 cases per operation (valid and invalid).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import TYPE_CHECKING, Any

import asyncpg
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import api_key, with_database
from tests.served_app import serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from schemathesis import APIOperation, Case

    from tests.served_app import ServedApp

CASES_PER_OPERATION = 15
# Not checked: that every schema-valid request succeeds. The domain's rules answer 422 by design where no schema can
# say it (a tier's rule not met, a reason code not valid for this action, a verification code's check character, a
# VC API credential without a valid @context), and the strict JSON reader refuses U+0000 in any string (400).


async def _create_database(server_url: str, template: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    finally:
        await admin.close()


async def _drop_database(server_url: str, name: str) -> None:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
def contract_server(
    database_server_url: str, template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, str]]:
    name = f"verify_contract_{uuid.uuid4().hex[:12]}"
    asyncio.run(_create_database(database_server_url, template_database, name))
    database_url = with_database(database_server_url, name)
    try:
        key = asyncio.run(api_key(database_url, ["assess", "issue", "manage"]))
        work = tmp_path_factory.mktemp("contract")
        with serve_app(database_url, work, VERIFY_RATE_LIMIT_PER_MINUTE="1000000") as app:
            yield app, key
    finally:
        asyncio.run(_drop_database(database_server_url, name))


def _run_operation(operation: APIOperation[Any, Any, Any, Any], origin: str, key: str) -> None:
    """Up to CASES_PER_OPERATION generated requests, valid and invalid (schemathesis' negative mode), checked."""
    strategy = st.one_of(operation.as_strategy(), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy)
    @settings(
        max_examples=CASES_PER_OPERATION,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Case[Any]) -> None:
        case.call_and_validate(
            base_url=origin,
            headers={"Authorization": f"Bearer {key}"},
            excluded_checks=[positive_data_acceptance],
            timeout=30,
        )

    run()


def test_every_operation_keeps_its_contract(contract_server: tuple[ServedApp, str]) -> None:
    app, key = contract_server
    schema = schemathesis.openapi.from_url(f"{app.origin}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), f"the document has an operation schemathesis cannot read: {result.err()}"
        operation = result.ok()
        operations += 1
        try:
            _run_operation(operation, app.origin, key)
        except (Exception, BaseExceptionGroup) as failure:  # noqa: BLE001 (all operations are reported together)
            failures.append(f"{operation.label}: {failure}")
    assert operations >= 30
    assert failures == [], "\n\n".join(failures)
