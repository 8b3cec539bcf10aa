"""python -m bench [--only NAME ...] [--quick] [--list]: run the benchmark parts in one go.

Starts a throwaway PostgreSQL, migrates a database, seeds credentials through the HTTP API, runs each part,
prints Markdown tables and updates bench/RESULTS.md. Every child process (servers, load generator, the
cluster) is stopped on the way out, also on Ctrl-C, SIGTERM or a failure.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
import traceback
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bench import (
    badges,
    issuance,
    issuance_bulk,
    lookup,
    lookup_scale,
    outage,
    poison,
    qr_size,
    rdfc_sign,
    registry_search,
    signing,
    status_lists,
    verify,
)
from bench.environment import REPO_ROOT, bench_environment
from bench.load import choose_generator
from bench.machine import describe_machine, load_average
from bench.registry import PARTS, BenchContext, PartResult
from bench.results import RESULTS_PATH, RunInfo, write_results

if TYPE_CHECKING:
    from types import FrameType

# Importing a part module registers it; this line is the whole wiring for a new part.
_REGISTERED = (
    signing,
    lookup,
    issuance,
    issuance_bulk,
    badges,
    status_lists,
    verify,
    poison,
    qr_size,
    registry_search,
    outage,
    lookup_scale,
    rdfc_sign,
)
_STARTED = time.monotonic()


def log(message: str) -> None:
    print(f"[bench {time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def _exit_on_signal(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds through every `finally`: servers and cluster are stopped


def _command(argv: list[str]) -> str:
    python = Path(sys.executable)
    shown = str(python.relative_to(REPO_ROOT)) if python.is_relative_to(REPO_ROOT) else python.name
    return " ".join([shown, "-m", "bench", *argv])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", choices=sorted(PARTS), metavar="NAME",
                        help=f"run only this part (repeatable): {', '.join(PARTS)}")  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="short smoke run; RESULTS.md untouched unless --write")
    parser.add_argument("--write", action="store_true", help="update RESULTS.md even with --quick")
    parser.add_argument("--no-write", action="store_true", help="print the figures only")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto",
                        help="load generator: wrk when on PATH (auto), or the Python fallback")  # fmt: skip
    parser.add_argument("--list", action="store_true", help="list the parts and exit")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.list:
        for part in PARTS.values():
            print(f"{part.name:10} {part.title}")
        return 0
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per seeding request otherwise
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    selected = [PARTS[name] for name in PARTS if not args.only or name in args.only]
    generator = choose_generator(args.generator)
    load_at_start = load_average()
    log(f"parts: {', '.join(p.name for p in selected)}; load generator: {generator.name}; load {load_at_start}")
    results: dict[str, PartResult] = {}
    failed: list[str] = []
    try:
        with bench_environment(holders=8 if args.quick else 40, log=log) as env:
            ctx = BenchContext(env=env, generator=generator, quick=args.quick, log=log)
            for part in selected:
                log(f"part {part.name}: {part.title}")
                try:
                    results[part.name] = part.run(ctx)
                except Exception:  # noqa: BLE001 - report the part as failed and run the others
                    failed.append(part.name)
                    log(f"part {part.name} FAILED:\n{traceback.format_exc()}")
                    continue
                print(f"\n## {part.name}: {part.title}\n\n{results[part.name].markdown()}\n", flush=True)
            machine = describe_machine(env.postgres_version, load_at_start)
    except KeyboardInterrupt:
        log("interrupted: servers and PostgreSQL stopped")
        return 130
    except SystemExit:
        log("terminated by a signal: servers and PostgreSQL stopped")
        raise
    log("PostgreSQL stopped, temporary files removed")
    if results and not args.no_write and (args.write or not args.quick):
        date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        run = RunInfo(date=date, command=_command(argv), generator=generator.name, quick=args.quick)
        write_results(results, machine, run)
        log(f"wrote {RESULTS_PATH.relative_to(REPO_ROOT)}")
    if failed:
        log(f"failed parts: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
