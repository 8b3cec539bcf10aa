"""One throwaway PostgreSQL with a migrated database, a signing key on disk and seeded credentials.

Everything is torn down when the context manager exits, including on Ctrl-C: the cluster is stopped by
`temporary_cluster` and its directory removed; the key lives in a temporary directory removed with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.seed import SeededData, seed_through_api
from verify_api.cli.embedded_postgres import temporary_cluster
from verify_api.db.migrate import apply_migrations
from verify_api.proofs.keys import Signer, generate_signer, private_key_pem
from verify_api.services.context import IssuerKey
from verify_api.settings import Settings, load_settings

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

REPO_ROOT = Path(__file__).resolve().parents[1]
DATABASE_NAME = "pai_verify_bench"
PUBLIC_BASE_URL = "https://verify.bench.example"
POOL_MAX = 10


@dataclass(frozen=True)
class BenchEnvironment:
    database_url: str
    postgres_version: str
    key_path: Path
    signer: Signer
    settings: Settings
    issuer_key: IssuerKey
    seeded: SeededData
    work_dir: Path

    def server_environment(self) -> dict[str, str]:
        """The environment `verify_api.app:app_from_environment` (and the baseline app) read."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRANIAN_", "UVICORN_"))}
        env.update(
            DATABASE_URL=self.database_url,
            SIGNING_KEY_PATH=str(self.key_path),
            PUBLIC_BASE_URL=PUBLIC_BASE_URL,
            POOL_MIN="2",
            POOL_MAX=str(POOL_MAX),
            LOG_LEVEL="WARNING",
            PYTHONPATH=os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        )
        return env


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _create_database(server_url: str) -> tuple[str, str]:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        version = str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()
    url = _with_database(server_url, DATABASE_NAME)
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    return url, version


def _write_key(directory: Path) -> tuple[Path, Signer]:
    signer = generate_signer()
    path = directory / "signing-key.pem"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_key_pem(signer, None))
    return path, signer


@contextlib.contextmanager
def bench_environment(*, holders: int, log: Callable[[str], None]) -> Iterator[BenchEnvironment]:
    work_dir = Path(tempfile.mkdtemp(prefix="pai-verify-bench-"))
    try:
        with temporary_cluster(log=log) as cluster:
            database_url, version = asyncio.run(_create_database(cluster.url))
            key_path, signer = _write_key(work_dir)
            settings = load_settings(
                {}, database_url=database_url, public_base_url=PUBLIC_BASE_URL, pool_min=1, pool_max=4
            )
            issuer_key = IssuerKey.for_settings(signer, settings)
            log(f"seeding {holders} holders with exam results and AIDA credentials through the HTTP API")
            seeded = asyncio.run(seed_through_api(settings, issuer_key, holders=holders))
            yield BenchEnvironment(
                database_url=database_url,
                postgres_version=version,
                key_path=key_path,
                signer=signer,
                settings=settings,
                issuer_key=issuer_key,
                seeded=seeded,
                work_dir=work_dir,
            )
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)
