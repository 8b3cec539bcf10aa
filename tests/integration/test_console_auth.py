"""The staff console's authentication pieces against the real app and PostgreSQL: sign-in, the same refusal for
every reason, lockout, session cookie flags, idle and absolute expiry, hashed storage, rehash on sign-in, CSRF and
Origin refusals on every console form, role scopes, and the staff member as the actor of what they do."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from tests.conftest import BASE_URL
from tests.factories import make_aida
from tests.staff_settings import console_test_settings
from verify_api.cli.main import main
from verify_api.services.staff_accounts import create_staff_account, hasher_for

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    import asyncpg
    from litestar import Litestar

    from tests.conftest import FakeClock, MakeApp
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings

    Client = AsyncTestClient[Litestar]

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Cheap argon2id parameters (RFC 9106's minimum memory): a test signs in dozens of times on a shared machine."""
    return console_test_settings(database_url)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    """The app's client, seeing redirects as they are (the console answers forms with 303s)."""
    async with AsyncTestClient(app=app, base_url=BASE_URL) as test_client:
        test_client.follow_redirects = False
        yield test_client


async def make_staff(conn: asyncpg.Connection, settings: Settings, email: str, role: str = "admin") -> str:
    await create_staff_account(conn, settings, email, role, PASSWORD, now=datetime.now(UTC))
    return email


def csrf_of(html: str) -> str:
    found = TOKEN.search(html)
    assert found, "the page has a form with a CSRF token"
    return found.group(1)


async def sign_in(client: Client, email: str, password: str = PASSWORD, **headers: str) -> Any:
    page = await client.get("/console/sign-in")
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "email": email, "password": password, "next": "/console"}
    return await client.post("/console/sign-in", data=form, headers=headers)


async def console_token(client: Client, path: str = "/console") -> str:
    page = await client.get(path)
    assert page.status_code == 200, page.text
    return csrf_of(page.text)


async def test_console_sign_in_sets_a_strict_http_only_session_cookie(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    email = await make_staff(conn, settings, "ada@pai.example")
    response = await sign_in(client, email)
    assert response.status_code == 303
    assert response.headers["location"] == "/console"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("console_session="))
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/console", "secure"} <= flags  # BASE_URL is https
    assert not any(flag.startswith(("max-age", "expires")) for flag in flags)  # ends with the browser
    home = await client.get("/console")
    assert home.status_code == 200
    assert "ada@pai.example" in home.text
    assert home.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in home.headers["content-security-policy"]


async def test_console_cookie_is_not_secure_on_plain_http(
    make_app: MakeApp, settings: Settings, issuer_key: IssuerKey, clock: FakeClock, conn: asyncpg.Connection
) -> None:
    plain = msgspec.structs.replace(settings, public_base_url="http://verify.test.example")
    email = await make_staff(conn, settings, "plain@pai.example")
    app = make_app(plain, issuer_key=issuer_key, clock=clock)
    async with AsyncTestClient(app=app, base_url="http://verify.test.example") as http_client:
        http_client.follow_redirects = False
        response = await sign_in(http_client, email)
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith("console_session="))
    assert "secure" not in cookie.lower()
    assert "httponly" in cookie.lower()


async def test_console_refuses_unknown_address_and_wrong_password_alike(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    email = await make_staff(conn, settings, "grace@pai.example")
    wrong = await sign_in(client, email, "not the password at all")
    unknown = await sign_in(client, "nobody@pai.example", "not the password at all")
    assert wrong.status_code == unknown.status_code == 401
    message = "That e-mail address and password were not accepted."
    assert message in wrong.text
    assert message in unknown.text
    assert "console_session=" not in " ".join(wrong.headers.get_list("set-cookie"))


async def test_console_locks_an_account_after_repeated_failures(
    client: Client, conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    email = await make_staff(conn, settings, "locked@pai.example")
    for _ in range(settings.console_max_failed_attempts):
        assert (await sign_in(client, email, "wrong password guess")).status_code == 401
    assert await conn.fetchval("SELECT locked_until FROM staff_accounts WHERE email = $1", email) is not None
    refused = await sign_in(client, email)  # the right password, while locked
    assert refused.status_code == 401
    assert "not accepted" in refused.text
    clock.advance(minutes=settings.console_lockout_minutes + 1)
    assert (await sign_in(client, email)).status_code == 303


async def test_console_session_ends_when_idle_and_at_its_absolute_limit(
    client: Client, conn: asyncpg.Connection, settings: Settings, clock: FakeClock
) -> None:
    email = await make_staff(conn, settings, "idle@pai.example")
    await sign_in(client, email)
    clock.advance(minutes=settings.console_session_idle_minutes - 1)
    assert (await client.get("/console")).status_code == 200  # seen again: the idle limit starts over
    clock.advance(minutes=settings.console_session_idle_minutes - 1)
    assert (await client.get("/console")).status_code == 200
    clock.advance(minutes=settings.console_session_idle_minutes + 1)
    idle = await client.get("/console/api-keys")
    assert idle.status_code == 303
    assert idle.headers["location"] == "/console/sign-in?next=/console/api-keys"

    await sign_in(client, email)
    step = settings.console_session_idle_minutes - 5
    for _ in range(settings.console_session_absolute_hours * 60 // step):
        clock.advance(minutes=step)
        assert (await client.get("/console")).status_code == 200
    clock.advance(minutes=step)  # past the absolute limit, though seen a few minutes ago
    assert (await client.get("/console")).status_code == 303


async def test_console_session_token_is_stored_only_as_its_sha256(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    email = await make_staff(conn, settings, "hash@pai.example")
    await sign_in(client, email)
    token = client.cookies["console_session"]
    rows = await conn.fetch("SELECT * FROM console_sessions")
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).digest()
    assert all(token not in str(value) for value in rows[0].values())
    password_hash = await conn.fetchval("SELECT password_hash FROM staff_accounts")
    assert password_hash.startswith("$argon2id$")
    assert PASSWORD not in password_hash


async def test_console_sign_in_rehashes_a_password_made_with_older_parameters(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    older = msgspec.structs.replace(settings, staff_password_memory_kib=4096)
    email = await make_staff(conn, older, "old@pai.example")
    before = await conn.fetchval("SELECT password_hash FROM staff_accounts")
    assert "m=4096,t=1,p=1" in before
    assert hasher_for(settings).check_needs_rehash(before)
    assert (await sign_in(client, email)).status_code == 303
    after = await conn.fetchval("SELECT password_hash FROM staff_accounts")
    assert "m=8192,t=1,p=1" in after
    assert not hasher_for(settings).check_needs_rehash(after)
    client.cookies.clear()
    assert (await sign_in(client, email)).status_code == 303  # the new hash verifies the same password


PATH_FILLERS = {"credential_id": "urn-x", "action": "revoke"}
NO_SUCH_ID = "00000000-0000-4000-8000-000000000000"


def console_posts(app: Litestar) -> list[str]:
    paths = []
    for route in app.routes:
        if route.path.startswith("/console") and "POST" in getattr(route, "methods", set()):
            paths.append(route.path)
    return paths


async def test_every_console_form_refuses_a_post_without_its_csrf_token(
    app: Litestar, client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    paths = console_posts(app)
    assert {"/console/sign-in", "/console/sign-out", "/console/api-keys"} <= set(paths)
    email = await make_staff(conn, settings, "csrf@pai.example")
    await sign_in(client, email)
    for template in paths:
        # Every path parameter filled, whatever its type (an id of nothing: the CSRF check comes first).
        path = re.sub(r"\{(\w+):\w+\}", lambda m: PATH_FILLERS.get(m.group(1), NO_SUCH_ID), template)
        response = await client.post(path, data={"reason": "administrative"}, headers={"accept": "text/html"})
        if path.endswith("/revoke") and "credentials" in path:
            assert response.status_code in (403, 404), (path, response.status_code)
            continue
        assert response.status_code == 403, (path, response.status_code, response.text[:300])
        assert "CSRF" in response.text or "token" in response.text
    problem = await client.post("/console/api-keys", data={"name": "x", "scopes": "assess"})
    assert problem.status_code == 403
    assert problem.headers["content-type"].startswith("application/problem+json")
    assert await conn.fetchval("SELECT count(*) FROM api_clients") == 0


async def test_console_refuses_a_form_from_another_origin(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    email = await make_staff(conn, settings, "origin@pai.example")
    await sign_in(client, email)
    token = await console_token(client, "/console/api-keys")
    form = {"csrf_token": token, "name": "forged", "scopes": "manage"}
    forged = await client.post("/console/api-keys", data=form, headers={"origin": "https://evil.example"})
    assert forged.status_code == 403
    assert await conn.fetchval("SELECT count(*) FROM api_clients") == 0
    made = await client.post("/console/api-keys", data=form, headers={"origin": BASE_URL})
    assert made.status_code == 200
    assert "paiv_" in made.text
    assert made.headers["cache-control"] == "no-store"


@pytest.fixture
async def api_client(client: Client, admin_headers: dict[str, str]) -> tuple[Client, dict[str, str]]:
    return client, admin_headers


async def test_console_role_scopes_decide_what_a_staff_member_may_do(
    api_client: tuple[Client, dict[str, str]], conn: asyncpg.Connection, settings: Settings
) -> None:
    client, headers = api_client
    credential = await make_aida(client, headers)
    email = await make_staff(conn, settings, "assessor@pai.example", role="assessor")
    await sign_in(client, email)
    page = await client.get(f"/console/credentials/{credential['id']}")
    assert page.status_code == 200
    assert "revoke-form" not in page.text
    token = csrf_of(page.text)
    refused = await client.post(
        f"/console/credentials/{credential['id']}/revoke",
        data={"csrf_token": token, "reason": "misconduct"},
        headers={"accept": "text/html"},
    )
    assert refused.status_code == 403
    assert "&#39;manage&#39; scope" in refused.text
    assert "assessor role" in refused.text
    assert (await client.get("/console/api-keys", headers={"accept": "text/html"})).status_code == 403
    assert (await client.get(f"/v1/credentials/{credential['id']}")).json()["status"] == "active"


async def test_console_revocation_is_the_lifecycle_service_with_the_staff_member_as_actor(
    api_client: tuple[Client, dict[str, str]], conn: asyncpg.Connection, settings: Settings
) -> None:
    client, headers = api_client
    credential = await make_aida(client, headers)
    email = await make_staff(conn, settings, "admin@pai.example")
    await sign_in(client, email)
    token = await console_token(client, f"/console/credentials/{credential['id']}")
    form = {"csrf_token": token, "reason": "not_a_reason"}
    bad = await client.post(f"/console/credentials/{credential['id']}/revoke", data=form)
    assert bad.status_code == 422
    assert "reason for revoke must be one of" in bad.text
    form = {"csrf_token": token, "reason": "misconduct", "note": "case 41"}
    done = await client.post(f"/console/credentials/{credential['id']}/revoke", data=form)
    assert done.status_code == 303
    assert done.headers["location"] == f"/console/credentials/{credential['id']}?done=revoke"
    page = await client.get(done.headers["location"])
    assert "Revoked." in page.text
    assert "case 41" in page.text
    assert f"staff {email}" in page.text
    assert (await client.get(f"/v1/credentials/{credential['id']}")).json()["status"] == "revoked"
    staff_id = await conn.fetchval("SELECT id FROM staff_accounts WHERE email = $1", email)
    actor = await conn.fetchval(
        "SELECT actor FROM events WHERE kind = 'credential_revoked' AND credential_id = $1", credential["id"]
    )
    assert actor == staff_id
    form["reason"] = "under_investigation"
    again = await client.post(f"/console/credentials/{credential['id']}/suspend", data=form)
    assert again.status_code == 409  # the service's refusal, shown on the page


async def test_console_renewal_leads_to_the_successor_and_odd_input_is_refused_as_a_page(
    api_client: tuple[Client, dict[str, str]], conn: asyncpg.Connection, settings: Settings
) -> None:
    client, headers = api_client
    credential = await make_aida(client, headers)
    await sign_in(client, await make_staff(conn, settings, "renew@pai.example"))
    path = f"/console/credentials/{credential['id']}"
    token = await console_token(client, path)
    html = {"accept": "text/html"}
    unknown = await client.post(f"{path}/delete", data={"csrf_token": token}, headers=html)
    assert unknown.status_code == 404
    assert "no action" in unknown.text
    nul = await client.post(f"{path}/suspend", data={"csrf_token": token, "reason": "x\x00"}, headers=html)
    assert nul.status_code == 422
    assert "U+0000" in nul.text
    renewed = await client.post(f"{path}/renew", data={"csrf_token": token, "reason": "recertified"})
    assert renewed.status_code == 303
    successor = renewed.headers["location"].split("?")[0].rsplit("/", 1)[1]
    assert successor != credential["id"]
    assert (await client.get(f"/v1/credentials/{credential['id']}")).json()["supersededBy"] == successor
    old = await client.get(path)
    assert "superseded" in old.text
    assert f"/console/credentials/{successor}" in old.text
    assert "renew-form" not in old.text  # act on the newest credential instead
    missing = await client.get("/console/credentials/nothing-here", headers=html)
    assert missing.status_code == 404
    assert "no credential has id" in missing.text
    lookup = await client.get("/console/lookup", params={"q": credential["verificationCode"]})
    assert lookup.headers["location"] == f"/console/credentials/{successor}"  # the code follows the renewal


async def test_console_sign_out_ends_the_session(client: Client, conn: asyncpg.Connection, settings: Settings) -> None:
    email = await make_staff(conn, settings, "out@pai.example")
    await sign_in(client, email)
    token = await console_token(client)
    out = await client.post("/console/sign-out", data={"csrf_token": token})
    assert out.status_code == 303
    assert await conn.fetchval("SELECT count(*) FROM console_sessions") == 0
    assert (await client.get("/console")).status_code == 303


async def test_console_sign_in_goes_only_to_console_paths_and_disabling_ends_sessions(
    client: Client, conn: asyncpg.Connection, settings: Settings
) -> None:
    from verify_api.services.staff_accounts import disable_staff_account

    email = await make_staff(conn, settings, "next@pai.example")
    for wanted, landed in (("//evil.example/console", "/console"), ("/console/api-keys", "/console/api-keys")):
        page = await client.get("/console/sign-in", params={"next": wanted})
        form = {"csrf_token": csrf_of(page.text), "email": email, "password": PASSWORD, "next": wanted}
        response = await client.post("/console/sign-in", data=form)
        assert response.headers["location"] == landed
    stale_form = {"csrf_token": "not-the-cookie-token", "email": email, "password": PASSWORD}
    stale = await client.post("/console/sign-in", data=stale_form)
    assert stale.status_code == 403  # the sign-in form's own double-submit token
    await disable_staff_account(conn, email, now=datetime.now(UTC))
    assert await conn.fetchval("SELECT count(*) FROM console_sessions") == 0
    assert (await client.get("/console")).status_code == 303
    assert (await sign_in(client, email)).status_code == 401  # a disabled account: the same refusal


def test_staff_cli_creates_lists_resets_and_disables(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("STAFF_PASSWORD_TIME_COST", "1")
    monkeypatch.setenv("STAFF_PASSWORD_MEMORY_KIB", "8192")
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert main(["staff", "create", "--email", "cli@pai.example", "--role", "issuer", "--password-stdin"]) == 0
    assert main(["staff", "create", "--email", "gen@pai.example", "--role", "admin", "--generate-password"]) == 0
    out = capsys.readouterr().out
    generated = out.strip().splitlines()[-1]
    assert len(generated) >= 20
    assert "a long enough password" not in out
    assert main(["staff", "list"]) == 0
    listed = msgspec.json.decode(capsys.readouterr().out)
    assert [(a["email"], a["role"]) for a in listed] == [("cli@pai.example", "issuer"), ("gen@pai.example", "admin")]
    assert "argon2" not in str(listed)
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["staff", "reset-password", "cli@pai.example", "--password-stdin"]) == 2  # too short: refused
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["staff", "create", "--email", "CLI@pai.example", "--role", "admin", "--password-stdin"]) == 2
    assert main(["staff", "disable", "cli@pai.example"]) == 0
    assert main(["staff", "disable", "cli@pai.example"]) == 2
    err = capsys.readouterr().err
    assert "12 to 1024 characters" in err
    assert "was disabled at" in err
    assert "a staff account with that e-mail address already exists" in err  # whatever its case
