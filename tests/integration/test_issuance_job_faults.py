"""A bulk job whose batch fails with an unexpected error, against the real app, its job worker and PostgreSQL: the
fault is real (a trigger, added to this test's database only, that refuses one holder's row with an error no code
expects), the batch is tried BULK_BATCH_ATTEMPTS times with waits between, then its rows are marked failed with a
problem that says so and nothing of the error, and the job goes on with its other batches to the end."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

import msgspec
import pytest

from tests.conftest import BASE_URL
from tests.integration.test_issuance_jobs import CSV_TYPE, exam_csv, results
from verify_api.services.batch_faults import MAX_RETRY_SECONDS, batch_retry_delay
from verify_api.settings import load_settings

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from verify_api.settings import Settings

SECRET_WORDING = "internal poison marker 7f3a"  # what the fault says: it must reach no result


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Batches of 4, one signing process, quick polls, and three tries 0.2 s then 0.4 s apart."""
    return load_settings(
        {},
        database_url=database_url,
        public_base_url=BASE_URL,
        pool_min=1,
        pool_max=4,
        notify_dispatch=False,
        bulk_batch_size=4,
        bulk_signing_processes=1,
        bulk_poll_seconds=0.05,
        bulk_batch_attempts=3,
        bulk_batch_retry_seconds=0.2,
    )


async def add_poison_trigger(conn: asyncpg.Connection) -> None:
    """A holder named "Poison Row" cannot be written: the trigger raises (SQLSTATE P0001, which no code maps to a
    domain error). Each try draws from a sequence first, which a rollback does not undo, so it counts the tries."""
    await conn.execute(f"""
        CREATE SEQUENCE poison_tries;
        CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM nextval('poison_tries');
            RAISE EXCEPTION '{SECRET_WORDING}';
        END $$;
        CREATE TRIGGER refuse_poison BEFORE INSERT ON holders
            FOR EACH ROW WHEN (NEW.display_name = 'Poison Row') EXECUTE FUNCTION refuse_poison();
    """)


async def wait_until_completed(client: AsyncTestClient[Litestar], headers: dict[str, str], url: str) -> dict[str, Any]:
    job: dict[str, Any] = {}
    deadline = time.monotonic() + 30  # without bounded tries the batch is tried again forever: this fails
    while time.monotonic() < deadline:
        job = (await client.get(url, headers=headers)).json()
        if job["state"] == "completed":
            return job
        await asyncio.sleep(0.05)
    raise AssertionError(f"the job did not complete: {job}")


async def test_batch_failing_unexpectedly_is_tried_a_bounded_number_of_times_then_its_rows_fail(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    await add_poison_trigger(conn)
    rows = [(f"Candidate {i}", f"c{i}@example.org", 90) for i in range(12)]
    rows[5] = ("Poison Row", "poison@example.org", 90)  # row 6, in the second batch (rows 5 to 8)
    started = time.monotonic()
    response = await client.post("/v1/issuance-jobs", content=exam_csv(rows), headers={**admin_headers, **CSV_TYPE})
    assert response.status_code == 202, response.text
    job = await wait_until_completed(client, admin_headers, response.headers["location"])
    elapsed = time.monotonic() - started

    assert await conn.fetchval("SELECT last_value FROM poison_tries") == 3  # BULK_BATCH_ATTEMPTS, no more
    assert elapsed >= 0.2 + 0.4  # the waits between the tries: BULK_BATCH_RETRY_SECONDS, then twice that
    assert (job["total"], job["issued"], job["failed"], job["duplicates"], job["pending"]) == (12, 8, 4, 0, 0)
    found = await results(client, admin_headers, job)
    assert [r["outcome"] for r in found] == ["issued"] * 4 + ["failed"] * 4 + ["issued"] * 4
    for failed in found[4:8]:
        problem = failed["problem"]
        assert problem["status"] == 500
        assert problem["type"].endswith("/internal-error")
        assert "failed with an unexpected error on each of 3 tries" in problem["detail"]
        assert "submit the row again" in problem["detail"]
        assert "credentialId" not in failed or failed["credentialId"] is None
    whole = msgspec.json.encode(found).decode()
    for leaked in (SECRET_WORDING, "P0001", "refuse_poison", "asyncpg", "Traceback"):
        assert leaked not in whole
    # Nothing of the failed batch was written: its good rows' holders too were rolled back with it.
    assert await conn.fetchval("SELECT count(*) FROM holders WHERE display_name = 'Candidate 4'") == 0
    assert await conn.fetchval("SELECT count(*) FROM credentials") == 8

    # The same file again, the fault gone: only the failed rows are issued now, the others are duplicates.
    await conn.execute("DROP TRIGGER refuse_poison ON holders")
    again = await client.post("/v1/issuance-jobs", content=exam_csv(rows), headers={**admin_headers, **CSV_TYPE})
    redone = await wait_until_completed(client, admin_headers, again.headers["location"])
    assert (redone["issued"], redone["failed"], redone["duplicates"]) == (4, 0, 8)


def test_batch_retry_delay_doubles_from_the_setting_up_to_a_ceiling() -> None:
    settings = load_settings({}, bulk_batch_retry_seconds=2.0)
    assert [batch_retry_delay(settings, tries) for tries in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert batch_retry_delay(settings, 30) == batch_retry_delay(settings, 5000) == MAX_RETRY_SECONDS
    assert batch_retry_delay(load_settings({}, bulk_batch_retry_seconds=0), 5) == 0
