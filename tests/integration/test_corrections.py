"""Corrections (issue 11): PATCH a holder (validated, audited, e-mail unique), and re-issue the credentials that carry
the old name with `details_corrected`, so the old link, code and pages resolve to a newly signed document that
carries the new name and verifies. Idempotent; the CLI does the same."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL, api_key
from tests.factories import make_aida, make_cpap, make_holder
from tests.lifecycle_helpers import transition
from verify_api.app import create_app
from verify_api.cli.main import main
from verify_api.proofs.keys import generate_signer, private_key_pem
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path

    import asyncpg
    from litestar import Litestar

    from tests.conftest import FakeClock

    Client = AsyncTestClient[Litestar]


async def patch(client: Client, headers: dict[str, str], holder_id: str, body: Any, **kw: Any) -> Any:
    return await client.patch(f"/v1/holders/{holder_id}", json=body, headers=headers, **kw)


async def reissue(
    client: Client, headers: dict[str, str], holder_id: str, body: Any = None, key: str | None = None
) -> Any:
    extra = {"Idempotency-Key": key} if key else {}
    return await client.post(f"/v1/holders/{holder_id}/reissue", json=body or {}, headers={**headers, **extra})


def subject_name(document: dict[str, Any]) -> str:
    name: str = document["credentialSubject"]["identifier"][0]["identityHash"]
    return name


async def test_patch_changes_name_and_email_and_records_the_change(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    aida = await make_aida(client, admin_headers, displayName="Ada Lovelase", email="ada@old.example")
    response = await patch(
        client, admin_headers, aida["holderId"], {"displayName": " Ada Lovelace ", "email": "ada@new.example"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["displayName"], response.json()["email"]) == ("Ada Lovelace", "ada@new.example")
    # A merge patch: a member left out stays; null removes the e-mail.
    kept = (await patch(client, admin_headers, aida["holderId"], {"email": None})).json()
    assert (kept["displayName"], kept["email"]) == ("Ada Lovelace", None)
    rows = await conn.fetch("SELECT data FROM events WHERE kind = 'holder_changed' ORDER BY seq")
    assert [r["data"]["changes"] for r in rows] == [
        {
            "displayName": {"old": "Ada Lovelase", "new": "Ada Lovelace"},
            "email": {"old": "ada@old.example", "new": "ada@new.example"},
        },
        {"email": {"old": "ada@new.example", "new": None}},
    ]
    assert rows[0]["data"]["holder"] == aida["holderId"]
    # Nothing changes: nothing is written.
    assert (await patch(client, admin_headers, aida["holderId"], {"displayName": "Ada Lovelace"})).status_code == 200
    assert await conn.fetchval("SELECT count(*) FROM events WHERE kind = 'holder_changed'") == 2
    # The change stays out of public answers; the credential keeps the name it was signed with until a re-issue.
    history = (await client.get(f"/v1/credentials/{aida['id']}/history")).json()
    assert [e["event"] for e in history["events"]] == ["issued"]
    public = (await client.get(f"/v1/credentials/{aida['id']}")).text
    assert "ada@" not in public
    assert "Ada Lovelase" in public
    overview = (await client.get(f"/v1/holders/{aida['holderId']}", headers=admin_headers)).json()
    assert overview["outdatedNames"] == [aida["id"]]


async def test_patch_refuses_bad_input(client: Client, admin_headers: dict[str, str]) -> None:
    ada = await make_holder(client, admin_headers, email="ada@example.org")
    grace = await make_holder(client, admin_headers, displayName="Grace Hopper", email="grace@example.org")
    taken = await patch(client, admin_headers, grace["id"], {"email": "ADA@example.org"})
    assert taken.status_code == 409
    assert "email already exists" in taken.json()["detail"]
    blank = await patch(client, admin_headers, grace["id"], {"displayName": "   "})
    assert blank.status_code == 422
    assert "blank" in blank.json()["detail"]
    empty = await patch(client, admin_headers, grace["id"], {})
    assert empty.status_code == 422
    assert "displayName, email or both" in empty.json()["detail"]
    for body in ({"email": "not-an-email"}, {"nickname": "x"}, {"displayName": "x" * 201}):
        response = await patch(client, admin_headers, grace["id"], body)
        assert response.status_code == 400, body
        assert response.headers["content-type"].startswith("application/problem+json")
    missing = await patch(client, admin_headers, "00000000-0000-4000-8000-000000000000", {"displayName": "X"})
    assert missing.status_code == 404
    merge = await client.patch(
        f"/v1/holders/{grace['id']}",
        content=b'{"displayName": "Grace B. Hopper"}',
        headers={**admin_headers, "Content-Type": "application/merge-patch+json"},
    )
    assert merge.status_code == 200, merge.text
    assert ada["id"]


async def test_corrections_need_manage(client: Client, database_url: str, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers)
    assess = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
    refused = await patch(client, assess, holder["id"], {"displayName": "X"})
    assert refused.status_code == 403
    assert "'manage' scope" in refused.json()["detail"]
    assert (await reissue(client, assess, holder["id"])).status_code == 403


async def test_correction_reissues_and_old_links_point_to_the_new_credential(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    cpap = await make_cpap(client, admin_headers)
    aida = cpap["aida"]
    holder_id = cpap["holderId"]
    await patch(client, admin_headers, holder_id, {"displayName": "Augusta Ada King"})
    clock.advance(minutes=5)
    response = await reissue(client, admin_headers, holder_id, {"note": "spelling fixed at the holder's request"})
    assert response.status_code == 200, response.text
    outcome = response.json()
    assert outcome["displayName"] == "Augusta Ada King"
    results = {r["credentialId"]: r for r in outcome["results"]}
    assert set(results) == {aida["id"], cpap["id"]}
    assert all(r["outcome"] == "reissued" for r in results.values())
    for old in (aida, cpap):
        new_id = results[old["id"]]["newCredentialId"]
        view = (await client.get(f"/v1/credentials/{old['id']}")).json()
        assert (view["status"], view["statusReason"]) == ("superseded", "details_corrected")
        assert view["current"] == view["supersededBy"] == new_id
        by_code = (await client.get("/v1/lookup", params={"code": old["verificationCode"]})).json()
        assert by_code["id"] == new_id
        new = (await client.get(f"/v1/credentials/{new_id}")).json()
        assert new["subject"]["name"] == "Augusta Ada King"
        assert new["verified"] is True
        document = (await client.get(f"/v1/credentials/{new_id}/vc")).content
        assert subject_name((await client.get(f"/v1/credentials/{new_id}/vc")).json()) == "Augusta Ada King"
        report = await client.post("/v1/verify", content=document, headers={"Content-Type": "application/vc"})
        assert report.json()["verified"] is True, report.text
        page = await client.get(f"/c/{old['id']}")  # the old badge page links to the new credential
        assert page.status_code == 200
        assert f'href="/c/{new_id}"' in page.text
    overview = (await client.get(f"/v1/holders/{holder_id}", headers=admin_headers)).json()
    assert overview["outdatedNames"] == []
    # Again: nothing carries the old name any more, so nothing is re-issued.
    again = (await reissue(client, admin_headers, holder_id)).json()
    assert again["results"] == []


async def test_reissue_with_idempotency_key_answers_the_first_call(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    aida = await make_aida(client, admin_headers, displayName="Ada Lovelase")
    await patch(client, admin_headers, aida["holderId"], {"displayName": "Ada Lovelace"})
    first = await reissue(client, admin_headers, aida["holderId"], key="fix-1")
    replay = await reissue(client, admin_headers, aida["holderId"], key="fix-1")
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert first.json()["results"][0]["outcome"] == "reissued"
    assert await conn.fetchval("SELECT count(*) FROM credentials WHERE holder_id = $1::uuid", aida["holderId"]) == 2
    other = await reissue(client, admin_headers, aida["holderId"], {"note": "another"}, key="fix-1")
    assert other.status_code == 409
    assert "Idempotency-Key" in other.json()["detail"]


async def test_suspended_credential_is_reported_not_reissued(client: Client, admin_headers: dict[str, str]) -> None:
    cpap = await make_cpap(client, admin_headers)
    await transition(client, admin_headers, cpap["id"], "suspend", "under_investigation")
    await patch(client, admin_headers, cpap["holderId"], {"displayName": "Ada King"})
    results = {r["tier"]: r for r in (await reissue(client, admin_headers, cpap["holderId"])).json()["results"]}
    assert results["AIDA"]["outcome"] == "reissued"
    assert results["CPAP"]["outcome"] == "not_reissued"
    assert "suspended" in results["CPAP"]["problem"]
    assert (await client.get(f"/v1/credentials/{cpap['id']}")).json()["status"] == "suspended"


def test_cli_corrects_and_reissues(
    tmp_path: Path,
    database_url: str,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import asyncio

    key_path = tmp_path / "signing-key.pem"
    key_path.write_bytes(private_key_pem(generate_signer(), None))
    settings = load_settings({}, database_url=database_url, public_base_url=BASE_URL, signing_key_path=str(key_path))

    async def issue_one() -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue'])}"}
        async with AsyncTestClient(app=create_app(settings, clock=clock), base_url=BASE_URL) as client:
            return await make_aida(client, headers, displayName="Ada Lovelase")

    aida = asyncio.run(issue_one())
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
    monkeypatch.setenv("SIGNING_KEY_PATH", str(key_path))
    assert main(["holders", "correct", aida["holderId"], "--display-name", "Ada Lovelace"]) == 0
    out = capsys.readouterr().out
    assert f"{aida['id']} AIDA -> " in out
    assert "1 credential(s) re-issued as 'Ada Lovelace', 0 not" in out
    assert main(["holders", "correct", aida["holderId"]]) == 0
    assert "0 credential(s) re-issued" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="not a holder id"):
        main(["holders", "correct", "nope"])
    assert main(["holders", "correct", "00000000-0000-4000-8000-000000000000", "--display-name", "X"]) == 2
    assert "no holder has id" in capsys.readouterr().err


async def test_concurrent_reissues_of_one_holder_renew_each_credential_once(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    import asyncio

    cpap = await make_cpap(client, admin_headers)
    await patch(client, admin_headers, cpap["holderId"], {"displayName": "Ada King"})
    first, second = await asyncio.gather(
        reissue(client, admin_headers, cpap["holderId"]), reissue(client, admin_headers, cpap["holderId"])
    )
    assert first.status_code == second.status_code == 200, (first.text, second.text)
    done = [r for answer in (first, second) for r in answer.json()["results"]]
    assert sorted(r["tier"] for r in done) == ["AIDA", "CPAP"]  # one call did it all, the other found nothing left
    assert all(r["outcome"] == "reissued" for r in done)
    assert await conn.fetchval("SELECT count(*) FROM credentials WHERE holder_id = $1::uuid", cpap["holderId"]) == 4
