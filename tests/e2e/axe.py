"""axe-core (https://github.com/dequelabs/axe-core) run inside the page through the CDP helper.

axe-core is installed by `make install` from the npm registry (package.json, pinned by package-lock.json) into
node_modules/; nothing is fetched at test time. The script is evaluated in the page over DevTools (Runtime.evaluate
is not subject to the page's Content-Security-Policy), then `axe.run` checks the document against the WCAG 2.2 AA
rule set and the violations come back as plain data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.e2e.cdp import Page

AXE_SCRIPT = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2, levels A and AA (axe-core's rule tags; 2.2 added only AA rules that axe automates).
WCAG_22_AA_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


def axe_available() -> bool:
    return AXE_SCRIPT.is_file()


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """The WCAG 2.2 AA violations axe-core finds on the page as it is now (rule id, impact, failing nodes)."""
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8") + "\n;true")
    options = {"runOnly": {"type": "tag", "values": list(WCAG_22_AA_TAGS)}, "resultTypes": ["violations"]}
    found: list[dict[str, Any]] = await page.evaluate(
        "axe.run(document, " + json.dumps(options) + ").then(r => r.violations.map(v => ({"
        "id: v.id, impact: v.impact, help: v.help,"
        " nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))})))"
    )
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per failing node, for an assertion message a person can act on."""
    lines = []
    for violation in violations:
        for node in violation["nodes"]:
            summary = " ".join(node["summary"].split())
            lines.append(f"{violation['id']} ({violation['impact']}): {node['target']}: {summary}")
    return "\n".join(lines)
