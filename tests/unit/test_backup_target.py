"""The database password reaches pg_dump/pg_restore in PGPASSWORD, never on their command line (`ps` shows it)."""

from __future__ import annotations

import os

from verify_api.cli.backup import Target


def test_target_moves_the_password_out_of_the_url() -> None:
    target = Target.of("postgresql://verify:s%40cret:x@db.internal:5432/verify?sslmode=require")
    assert target.url == "postgresql://verify@db.internal:5432/verify?sslmode=require"
    assert target.password == "s@cret:x"
    assert target.env()["PGPASSWORD"] == "s@cret:x"


def test_target_without_password_leaves_the_url_and_environment_alone() -> None:
    target = Target.of("postgresql://postgres@127.0.0.1:5433/postgres")
    assert target.url == "postgresql://postgres@127.0.0.1:5433/postgres"
    assert target.password is None
    assert target.env().get("PGPASSWORD") == os.environ.get("PGPASSWORD")
