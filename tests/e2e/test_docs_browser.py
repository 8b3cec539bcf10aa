"""`/docs` in a real headless Chromium: Swagger UI draws every operation of the OpenAPI 3.1 document, from assets we
serve (nothing loaded from another origin), under the page's own CSP (no violation reported)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx
import pytest

from tests.e2e.conftest import ARTIFACTS

if TYPE_CHECKING:
    from tests.e2e.cdp import Page

pytestmark = pytest.mark.browser

_DRAWN = """[...document.querySelectorAll('.opblock')].map(block => [
  block.querySelector('.opblock-summary-method').textContent.trim().toLowerCase(),
  block.querySelector('.opblock-summary-path').getAttribute('data-path'),
  (block.querySelector('.opblock-summary-description') || {textContent: ''}).textContent.trim(),
])"""
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def _operations(document: dict[str, object]) -> dict[tuple[str, str], str]:
    paths = document["paths"]
    assert isinstance(paths, dict)
    return {
        (method, path): operation["summary"]
        for path, item in paths.items()
        for method, operation in item.items()
        if method in _METHODS
    }


async def _drawn_operations(page: Page, expected: int, within: float = 30) -> list[list[str]]:
    deadline = time.monotonic() + within
    while True:
        drawn: list[list[str]] = await page.evaluate(_DRAWN)
        if len(drawn) >= expected or time.monotonic() > deadline:
            return drawn
        await asyncio.sleep(0.2)


async def test_docs_page_draws_every_operation_offline(served: str, page: Page) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        document = (await http.get(f"{served}/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    operations = _operations(document)
    assert len(operations) > 20

    await page.goto(f"{served}/docs")
    drawn = await _drawn_operations(page, len(operations))
    await page.screenshot(ARTIFACTS / "docs.png")

    assert len(drawn) == len(operations), f"Swagger UI drew {len(drawn)} of {len(operations)} operations"
    assert {(method, path): summary for method, path, summary in drawn} == operations
    assert not await page.evaluate("!!document.querySelector('.errors-wrapper')"), "Swagger UI reported errors"
    loaded = await page.evaluate("performance.getEntriesByType('resource').map(entry => entry.name)")
    assert loaded, "the page loaded no assets"
    assert all(url.startswith(f"{served}/") for url in loaded), loaded
    assert page.errors == [], page.errors  # console errors include CSP violations
