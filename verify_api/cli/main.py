"""verify-api: serve | migrate | keys | api-keys | staff | rules | audit | backup | restore | holders | issue-bulk |
openapi (see `--help`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from verify_api.cli.api_keys import add_api_key_commands
from verify_api.cli.audit import add_audit_commands
from verify_api.cli.backup import add_backup_commands
from verify_api.cli.holders import add_holder_commands
from verify_api.cli.issue_bulk import add_issue_bulk_command
from verify_api.cli.keys import add_key_commands
from verify_api.cli.rules import add_rules_commands
from verify_api.cli.server import add_openapi_command, add_server_commands
from verify_api.cli.staff import add_staff_commands
from verify_api.cli.webhooks import add_webhook_commands
from verify_api.errors import SigningKeyError, VerifyApiError
from verify_api.settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="verify-api", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    add_server_commands(sub)
    add_key_commands(sub)
    add_api_key_commands(sub)
    add_staff_commands(sub)
    add_webhook_commands(sub)
    add_audit_commands(sub)
    add_rules_commands(sub)
    add_backup_commands(sub)
    add_holder_commands(sub)
    add_issue_bulk_command(sub)
    add_openapi_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = build_parser().parse_args(argv)
    try:
        result: int = args.func(args)
    except (SettingsError, VerifyApiError, SigningKeyError) as exc:
        print(f"verify-api: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return result
