"""The named benchmark parts, and what a part gets (a context) and gives back (a result).

A new part is a module with a `run(ctx) -> PartResult` function and one `register(Part(...))` call at import;
`bench/__main__.py` imports the module so the part is listed, runnable with `--only NAME` and written to
RESULTS.md under its own heading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from bench.environment import BenchEnvironment
    from bench.load import LoadGenerator


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]

    def markdown(self) -> str:
        widths = [max(len(h), *(len(r[i]) for r in self.rows)) for i, h in enumerate(self.headers)]

        def line(cells: list[str]) -> str:
            return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

        rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
        return "\n".join([line(self.headers), rule, *(line(r) for r in self.rows)])


@dataclass
class PartResult:
    tables: list[tuple[str, Table]]
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        chunks = [f"**{caption}**\n\n{table.markdown()}" for caption, table in self.tables]
        if self.notes:
            chunks.append("\n".join(f"- {note}" for note in self.notes))
        return "\n\n".join(chunks)


@dataclass
class BenchContext:
    """What every part shares within one run."""

    env: BenchEnvironment
    generator: LoadGenerator
    quick: bool
    log: Callable[[str], None]
    # Figures one part measured that another may reuse (e.g. the raw signing cost), keyed by name.
    memo: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Part:
    name: str
    title: str
    run: Callable[[BenchContext], PartResult]


PARTS: dict[str, Part] = {}


def register(part: Part) -> Part:
    if part.name in PARTS:
        raise ValueError(f"benchmark part {part.name!r} is registered twice")
    PARTS[part.name] = part
    return part
