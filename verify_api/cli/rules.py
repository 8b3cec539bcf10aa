"""`verify-api rules evaluate`: what a scheduler (cron, a systemd timer) calls.

The same rules also run on every read and after every relevant write, so nothing depends on it having run.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from verify_api.cli.runtime import run_with_connection, service_context
from verify_api.services.organization_rules import evaluate_all

if TYPE_CHECKING:
    import argparse

    from verify_api.db.pool import Connection


def cmd_rules_evaluate(args: argparse.Namespace) -> int:
    ctx = service_context()

    async def run(conn: Connection) -> None:
        standings = await evaluate_all(conn, ctx, now=ctx.clock())
        summary = {
            str(org): {
                "atRisk": s.at_risk,
                "reason": s.reason,
                "suspendsAt": s.suspends_at and s.suspends_at.isoformat(),
            }
            for org, s in standings.items()
        }
        print(json.dumps(summary, indent=2))

    run_with_connection(ctx.settings, run)
    return 0


def add_rules_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rules = sub.add_parser("rules", help="organisation rules").add_subparsers(dest="rules_command", required=True)
    rules.add_parser(
        "evaluate",
        help="apply the CAI staff and CAE governance rules to every certified organisation (for a scheduler)",
    ).set_defaults(func=cmd_rules_evaluate)
