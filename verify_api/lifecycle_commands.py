"""`verify-api rules evaluate` (and the `audit` commands, from audit_commands.py): the status-lifecycle commands.

`rules evaluate` is what a scheduler (cron, a systemd timer) calls; the same rules also run on every read and
after every relevant write, so nothing depends on it having run.
"""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from verify_api.audit_commands import add_audit_commands
from verify_api.db.pool import connect
from verify_api.services.context import IssuerKey
from verify_api.services.organization_rules import evaluate_all

if TYPE_CHECKING:
    import argparse


def _issuer_key() -> IssuerKey:
    from verify_api.app import load_signing_key
    from verify_api.cli import _settings, ensure_dev_key

    settings = ensure_dev_key(_settings())
    return IssuerKey.for_settings(load_signing_key(settings), settings)


def cmd_rules_evaluate(args: argparse.Namespace) -> int:
    from verify_api.cli import _settings, database_url

    settings = _settings()
    key = _issuer_key()

    async def run(url: str) -> None:
        conn = await connect(url)
        try:
            standings = await evaluate_all(conn, key=key, settings=settings, now=datetime.now(UTC))
        finally:
            await conn.close()
        summary = {
            str(org): {
                "atRisk": s.at_risk,
                "reason": s.reason,
                "suspendsAt": s.suspends_at and s.suspends_at.isoformat(),
            }
            for org, s in standings.items()
        }
        print(json.dumps(summary, indent=2))

    with database_url(settings) as url:
        asyncio.run(run(url))
    return 0


def add_lifecycle_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    add_audit_commands(sub)
    rules = sub.add_parser("rules", help="organisation rules").add_subparsers(dest="rules_command", required=True)
    rules.add_parser(
        "evaluate",
        help="apply the CAI staff and CAE governance rules to every certified organisation (for a scheduler)",
    ).set_defaults(func=cmd_rules_evaluate)
