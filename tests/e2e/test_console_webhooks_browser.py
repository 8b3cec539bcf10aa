"""The console's Webhooks page in a real headless Chromium against the served app with its outbox dispatcher on and
a webhook receiver on 127.0.0.1: subscribe through the form (the secret shown once), see the signed delivery in the
log, redeliver it (the same webhook-id); no sideways scrolling at phone width and axe-core's WCAG 2.2 AA check on
the page, the answer and the log. Screenshots under test-artifacts/e2e/console/. One server for the module.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest

from tests.conftest import api_key, with_database
from tests.e2e.axe import axe_available, axe_violations, describe
from tests.e2e.test_console_browser import ADMIN, CONSOLE_SETTINGS, PASSWORD, SHOTS, fill, no_sideways_scroll, sign_in
from tests.e2e.test_faces_browser import WIDTHS
from tests.e2e.test_pages_browser import issue_aida
from tests.integration.test_notifications import verify_signature
from tests.notify_receivers import WebhookReceiver, eventually
from tests.served_app import ROOT, ServedApp, serve_app

if TYPE_CHECKING:
    from collections.abc import Iterator

    from tests.conftest import DatabasePool
    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hooks() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as server:
        yield server


@pytest.fixture(scope="module")
def webhooks_app(
    database_server_url: str, database_pool: DatabasePool, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[ServedApp, str]]:
    """The served app with the dispatcher on and loopback targets allowed, and an admin made by the CLI."""
    name = database_pool.take()
    database_url = with_database(database_server_url, name)
    work = tmp_path_factory.mktemp("console-webhooks")
    dispatch = {
        "NOTIFY_DISPATCH": "true",
        "NOTIFY_POLL_SECONDS": "0.05",
        "WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "MAIL_DIR": str(work / "mail"),
    }
    try:
        with serve_app(database_url, work, **CONSOLE_SETTINGS, **dispatch) as app:
            subprocess.run(
                [sys.executable, "-m", "verify_api", "staff", "create", "--email", ADMIN, "--role", "admin",
                 "--password-stdin"],
                input=f"{PASSWORD}\n", env=app.env, cwd=ROOT, check=True, capture_output=True, text=True,
            )  # fmt: skip
            yield app, database_url
    finally:
        database_pool.drop_later(name)


async def audit(page: Page, name: str, failures: list[str]) -> None:
    if not axe_available():
        return
    for width, height, mobile in WIDTHS:
        await page.viewport(width, height, mobile=mobile, scale=2 if mobile else 1)
        found = await axe_violations(page)
        if found:
            failures.append(f"--- {name} at {width} px\n{describe(found)}")
    await page.viewport(1280, 900)


async def test_console_subscribes_a_url_shows_its_delivery_and_redelivers_it(
    page: Page, webhooks_app: tuple[ServedApp, str], hooks: WebhookReceiver
) -> None:
    served = webhooks_app[0].origin
    failures: list[str] = []
    await sign_in(page, served)
    await page.goto(f"{served}/console/webhooks")
    await no_sideways_scroll(page, "webhooks")
    await audit(page, "webhooks", failures)
    await fill(page, "#webhook-url", hooks.url)
    await page.evaluate("document.querySelector('#type-credential-issued').checked = true")
    await fill(page, "#webhook-description", "CRM sync")
    await page.submit("#create-webhook-submit")
    secret: str = await page.evaluate("document.querySelector('#secret').value")
    assert secret.startswith("whsec_")
    await no_sideways_scroll(page, "webhook-created")
    await audit(page, "webhook-created", failures)

    admin_auth = {"Authorization": f"Bearer {await api_key(webhooks_app[1], ['assess', 'issue', 'manage'])}"}
    await issue_aida(served, admin_auth, "Dorothy Vaughan")
    await eventually(lambda: len(hooks.received) == 1, within=20)
    assert verify_signature(secret, hooks.received[0].headers, hooks.received[0].body)

    log_link: str = await page.evaluate("document.querySelector('.console-secret a').href")
    state = ""
    for _ in range(100):  # the receiver sees the request before the dispatcher records its answer
        await page.goto(log_link)
        state = await page.evaluate("document.querySelector('.delivery-state')?.textContent ?? ''")
        if state == "sent":
            break
        await asyncio.sleep(0.1)
    assert state == "sent"
    assert await page.evaluate("document.querySelector('.delivery-status-code').textContent") == "200"
    await no_sideways_scroll(page, "webhook-log")
    await audit(page, "webhook-log", failures)
    await page.screenshot(SHOTS / "webhook-log.png")

    await page.submit(".console-key form button")
    assert await page.evaluate("location.search") == "?done=redelivered"  # POST, then redirect, then GET
    await eventually(lambda: len(hooks.received) == 2, within=20)
    assert hooks.received[1].headers["webhook-id"] == hooks.received[0].headers["webhook-id"]
    assert not failures, "axe-core WCAG 2.2 AA violations:\n" + "\n".join(failures)
