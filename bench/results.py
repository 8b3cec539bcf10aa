"""bench/RESULTS.md: a fixed header, the last run's machine and command, and one section per part.

A run rewrites the sections of the parts it ran and keeps the others, so `--only NAME` refreshes one part
without losing the rest; each section says when and with which command it was measured.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.registry import PARTS, PartResult

if TYPE_CHECKING:
    from bench.machine import Machine

RESULTS_PATH = Path(__file__).with_name("RESULTS.md")
_SECTION = re.compile(r"<!-- part:(?P<name>[\w-]+) -->\n(?P<body>.*?)<!-- /part:(?P=name) -->\n?", re.S)

HOW_TO_READ = """\
## How to read this

Every figure below comes from one `python -m bench` run on the machine described, with the command shown;
nothing is copied from elsewhere. Compare figures *within* a run (ours against the baseline measured
minutes apart on the same machine), not across machines or runs: on 2 cores the load generator, the server
and PostgreSQL all compete for the CPU, so absolute requests/s are lower than a dedicated server would reach,
and a few percent of run-to-run noise is normal. Throughput is a closed loop (each connection sends its
next request when the previous one is answered), so latency percentiles are latency *under that load*,
not at a fixed arrival rate. Regenerate with `make bench` (about 4 minutes); `--only NAME` refreshes one
part, `--quick` is a smoke run that does not touch this file unless given `--write`."""


@dataclass(frozen=True)
class RunInfo:
    date: str
    command: str
    generator: str
    quick: bool


def _section(name: str, result: PartResult, run: RunInfo) -> str:
    part = PARTS[name]
    mode = "quick smoke run" if run.quick else "full run"
    return (
        f"<!-- part:{name} -->\n## `{name}`: {part.title}\n\n"
        f"_Measured {run.date} with `{run.command}` ({mode})._\n\n"
        f"{result.markdown()}\n<!-- /part:{name} -->\n"
    )


def render(results: dict[str, PartResult], machine: Machine, run: RunInfo, previous: str = "") -> str:
    sections = {m["name"]: m.group(0) for m in _SECTION.finditer(previous)}
    sections.update({name: _section(name, result, run) for name, result in results.items()})
    ordered = [name for name in PARTS if name in sections] + [name for name in sections if name not in PARTS]
    header = [
        "# Benchmark results",
        "",
        "<!-- Written by `python -m bench` (bench/results.py); hand edits to this file are overwritten. -->",
        "",
        HOW_TO_READ,
        "",
        "## Last run",
        "",
        f"- Date: {run.date}",
        f"- Command: `{run.command}` (parts: {', '.join(results)})",
        *(f"- {line}" for line in machine.lines()),
        f"- Load generator: {run.generator}; it runs on the same 2 cores as the server and PostgreSQL.",
        "",
    ]
    body = "\n".join(sections[name].rstrip("\n") + "\n" for name in ordered)
    return "\n".join(header) + "\n" + body


def write_results(results: dict[str, PartResult], machine: Machine, run: RunInfo, path: Path = RESULTS_PATH) -> None:
    previous = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(render(results, machine, run, previous), encoding="utf-8")
