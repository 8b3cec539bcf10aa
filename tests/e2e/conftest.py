"""Browser fixtures: the real app served by `verify-api serve` on a free 127.0.0.1 port, and a headless Chromium.

Screenshots go to `test-artifacts/e2e/` (git-ignored). Without a Chromium on PATH the tests are skipped, saying
how to get one; `make test` installs Debian's `chromium` where it can.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import api_key
from tests.e2e.cdp import Page, browser_page, find_chromium
from tests.served_app import serve_app

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterator

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"


@pytest.fixture(scope="session")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip("no Chromium on PATH: `apt-get install chromium` (as root; `make test` does it where it can)")
    return found


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[str]:
    """The app in a granian process, as deployed; yields its origin (also its PUBLIC_BASE_URL)."""
    with serve_app(database_url, tmp_path, VERIFY_RATE_LIMIT_PER_MINUTE="1000") as app:
        yield app.origin


@pytest.fixture
async def admin_auth(database_url: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {await api_key(database_url, ['assess', 'issue', 'manage'])}"}


@pytest.fixture
async def page(chromium: str, tmp_path: Path) -> AsyncIterator[Page]:
    async with browser_page(chromium, tmp_path / "profile", tmp_path / "chromium.log") as tab:
        yield tab
