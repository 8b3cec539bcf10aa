"""Browser fixtures: the real app served by `verify-api serve` on a free 127.0.0.1 port, and a headless Chromium.

One served app (and its database, `database_url` here) per module, and one Chromium per test session (per xdist
worker): starting either costs seconds, a test's own data and tab cost little. Each test still gets a tab of its
own in a browser context of its own (`page`: its own cookies and storage), and makes the records it looks at; a
test that lists or searches records names them so no other test of its module matches.

Screenshots go to `test-artifacts/e2e/` (git-ignored). Without a Chromium on PATH the tests are skipped, saying
how to get one; `make test` installs Debian's `chromium` where it can.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import api_key, with_database
from tests.e2e.cdp import Browser, Page, find_chromium
from tests.served_app import serve_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

    from tests.conftest import DatabasePool

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium on PATH: `apt-get install chromium` (as root; `make test` does it where it can)")
    return found


@pytest.fixture(scope="session")
def browser(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Browser]:
    """The session's headless Chromium (its log in its profile's parent directory)."""
    work = tmp_path_factory.mktemp("chromium")
    with (work / "chromium.log").open("wb") as log:
        started = Browser.start(chromium, work / "profile", log)
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="module")
def database_url(database_server_url: str, database_pool: DatabasePool) -> Iterator[str]:
    """The module's database (a fresh copy of the template), which its served app uses."""
    name = database_pool.take()
    yield with_database(database_server_url, name)
    database_pool.drop_later(name)


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app in a granian process, as deployed; yields its origin (also its PUBLIC_BASE_URL). One per module."""
    with serve_app(database_url, tmp_path_factory.mktemp("served"), VERIFY_RATE_LIMIT_PER_MINUTE="1000") as app:
        yield app.origin


@pytest.fixture
async def admin_auth(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue', 'manage'])}"}


@pytest.fixture
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A tab of the session's Chromium in a browser context of its own: cookies and storage of this test only."""
    async with browser.new_page() as tab:
        yield tab
