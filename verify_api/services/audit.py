"""The tamper-evident event log: verifying the hash chain and its signed checkpoints, and writing checkpoints.

Each event's hash commits to its raw columns and to the previous event's hash (db/event_chain.py, computed in
Python both when written and when verified). `verify_audit_log` recomputes every hash and reports every bad link,
not the first. Checkpoints sign (seq, entry_hash, signed_at) with the issuer key and are verified only against keys
pinned outside the database (services/key_history.py), so a database writer who rewrites the chain, inserts a key
into `signing_keys` and re-signs is caught; stretches longer than AUDIT_CHECKPOINT_EVERY without a checkpoint are
reported, so a truncated tail beyond the cadence is too. `compare_saved_checkpoints` checks a copy of the
published checkpoints (GET /v1/audit/checkpoints) against the live log, which catches a rewrite or truncation
even by someone who could also delete checkpoints.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from verify_api.db.event_chain import GENESIS, entry_hash, event_hash_input, legacy_event_hash_input
from verify_api.db.events import AuditRow, Checkpoint, Events
from verify_api.services.checkpoints import check_checkpoint_signature

if TYPE_CHECKING:
    from collections.abc import Iterable

    from verify_api.db.pool import Connection
    from verify_api.services.key_history import PinnedKeys

_BATCH = 5000


@dataclass
class AuditReport:
    entries: int = 0
    checkpoints: int = 0
    problems: list[str] = field(default_factory=list)
    tail_uncovered: bool = False  # more than the cadence after the newest checkpoint (or one still being written)

    @property
    def intact(self) -> bool:
        return not self.problems


def _row_hash_input(row: AuditRow) -> bytes:
    if row.chain_version == 1:
        return legacy_event_hash_input(row.event, row.legacy_data_text or "")
    return event_hash_input(row.event)


@dataclass
class _ChainWalk:
    """Walks the entries in order, keeping what the checkpoint and cadence checks need."""

    report: AuditReport
    checkpoint_seqs: set[int]
    hashes_at_checkpoints: dict[int, bytes] = field(default_factory=dict)
    position: dict[bytes, int] = field(default_factory=dict)
    expected_prev: bytes = GENESIS
    previous_seq: int | None = None
    legacy_end: int = 0  # the last entry hashed with the version-1 encoding
    broken_links: list[tuple[int, int, bytes, str]] = field(default_factory=list)
    legacy_rows: list[AuditRow] = field(default_factory=list)

    def visit(self, row: AuditRow) -> None:
        if row.chain_version == 1:
            self._check_hash(row)
            self.legacy_rows.append(row)
            return
        if self.legacy_rows:
            self.follow_legacy_links()
        seq = row.event.seq
        problems = self.report.problems
        after_what = f"entry {self.previous_seq}" if self.previous_seq is not None else "the start of the log"
        if row.prev_hash != self.expected_prev:
            # Worded once the whole log has been seen: the entry it was chained to may come later (reordered).
            self.broken_links.append((len(problems), seq, row.prev_hash, after_what))
            problems.append("")
        elif self.previous_seq is not None and seq != self.previous_seq + 1:
            # Numbers have no gaps since migration 0003, so a gap whose links still hold was re-chained.
            problems.append(f"entry {seq}: entries {self.previous_seq + 1} to {seq - 1} are missing (removed)")
        self._check_hash(row)
        # Carry on from what this entry recorded, so each bad link is reported once and later ones still are.
        self.expected_prev, self.previous_seq = row.entry_hash, seq

    def _check_hash(self, row: AuditRow) -> None:
        seq = row.event.seq
        if entry_hash(row.prev_hash, _row_hash_input(row)) != row.entry_hash:
            self.report.problems.append(f"entry {seq}: changed; its content no longer matches its recorded hash")
        self.position[row.entry_hash] = seq
        if seq in self.checkpoint_seqs:
            self.hashes_at_checkpoints[seq] = row.entry_hash

    def follow_legacy_links(self) -> None:
        """Entries from before migration 0003 were chained by a trigger that could chain two entries after one
        under concurrent writes (numbers were drawn before its lock), so they form a tree, not one chain: each is
        checked on its own (its hash, its predecessor still present) and by the checkpoints that cover it."""
        rows, self.legacy_rows = self.legacy_rows, []
        known = {row.entry_hash for row in rows}
        followed = {row.prev_hash for row in rows}
        for row in rows:
            if row.prev_hash != GENESIS and row.prev_hash not in known:
                self.report.problems.append(f"entry {row.event.seq}: the entry it was chained to is missing (removed)")
        # Where migration 0003 put the head: the newest entry that no other entry is chained after.
        tips = [row for row in rows if row.entry_hash not in followed]
        self.expected_prev = tips[-1].entry_hash if tips else rows[-1].entry_hash
        self.previous_seq = self.legacy_end = rows[-1].event.seq

    def word_broken_links(self) -> None:
        for index, seq, prev_hash, after_what in self.broken_links:
            follows = self.position.get(prev_hash)
            if follows is None and prev_hash != GENESIS:
                problem = f"entry {seq}: the entry it was chained to is missing (removed); it follows {after_what}"
            else:
                chained = "the start of the log" if follows is None else f"entry {follows}"
                problem = f"entry {seq}: out of order; it was chained after {chained}, but follows {after_what}"
            self.report.problems[index] = problem


async def verify_audit_log(conn: Connection, pinned: PinnedKeys, *, every: int, settle: float = 0.0) -> AuditReport:
    """Recompute every hash, check every link, checkpoint and the checkpoint cadence; report every problem.

    One repeatable-read snapshot, so writers appending meanwhile are never mistaken for a moved head. A checkpoint
    is written just after the write that reaches it commits, so with `settle` a too-long tail is looked at again
    after that many seconds, and only reported if the checkpoint has still not appeared.
    """
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        report = await _verify_audit_log(conn, pinned, every=every)
    if report.tail_uncovered and settle > 0:
        await asyncio.sleep(settle)
        async with conn.transaction(isolation="repeatable_read", readonly=True):
            report = await _verify_audit_log(conn, pinned, every=every)
    return report


async def _verify_audit_log(conn: Connection, pinned: PinnedKeys, *, every: int) -> AuditReport:
    audit = Events(conn)
    report = AuditReport()
    checkpoints = await audit.list_checkpoints()
    walk = _ChainWalk(report, {c.seq for c in checkpoints})
    after = 0
    while batch := await audit.audit_rows(after, _BATCH):
        for row in batch:
            report.entries += 1
            walk.visit(row)
        after = batch[-1].event.seq
    if walk.legacy_rows:
        walk.follow_legacy_links()
    walk.word_broken_links()
    last_seq = walk.previous_seq or 0
    head = await audit.chain_head()
    if head.seq != last_seq or head.entry_hash != walk.expected_prev:
        report.problems.append(
            f"the log ends at entry {last_seq}, but its head records entry {head.seq}: "
            "entries were removed from the end"
            if head.seq > last_seq
            else f"the log ends at entry {last_seq}, which is not the head it recorded (entry {head.seq})"
        )
    covered: list[int] = []
    for checkpoint in checkpoints:
        report.checkpoints += 1
        problem = check_checkpoint_signature(checkpoint, pinned)
        if problem is None and checkpoint.seq not in walk.hashes_at_checkpoints:
            problem = f"checkpoint at entry {checkpoint.seq}: that entry is missing (removed)"
        elif problem is None and walk.hashes_at_checkpoints[checkpoint.seq] != checkpoint.entry_hash:
            problem = f"checkpoint at entry {checkpoint.seq}: the log was rewritten since it was signed"
        if problem:
            report.problems.append(problem)
        else:
            covered.append(checkpoint.seq)
    cadence, report.tail_uncovered = _cadence_problems(covered, last_seq, every=every, legacy_end=walk.legacy_end)
    report.problems.extend(cadence)
    return report


def _cadence_problems(covered: list[int], last_seq: int, *, every: int, legacy_end: int) -> tuple[list[str], bool]:
    """More than `every` entries in a row without a valid checkpoint after them is a problem (entries written
    before migration 0003 are exempt: they were checkpointed by an older rule). Also says whether the tail is one."""
    problems: list[str] = []
    previous, tail_uncovered = 0, False
    for end in [*covered, last_seq + 1]:
        stretch = end - previous - 1
        if stretch > every and end > legacy_end + 1:
            tail = end == last_seq + 1
            tail_uncovered = tail_uncovered or tail
            problems.append(
                f"entries {previous + 1} to {end - 1}: {stretch} entries "
                f"{'after the newest valid checkpoint' if tail else 'without a valid checkpoint'}, more than "
                f"AUDIT_CHECKPOINT_EVERY ({every}); checkpoints are missing"
                + (" (was the end of the log truncated and re-signed?)" if tail else "")
            )
        previous = end
    return problems, tail_uncovered


async def compare_saved_checkpoints(conn: Connection, saved: Iterable[Checkpoint], pinned: PinnedKeys) -> AuditReport:
    """Check a saved copy of published checkpoints against the live log: each one must verify with a pinned key,
    its entry must still have the hash it signed, and the live log must still hold the checkpoint itself."""
    async with conn.transaction(isolation="repeatable_read", readonly=True):
        return await _compare_saved_checkpoints(conn, saved, pinned)


async def _compare_saved_checkpoints(conn: Connection, saved: Iterable[Checkpoint], pinned: PinnedKeys) -> AuditReport:
    audit = Events(conn)
    report = AuditReport()
    live = {c.seq: c for c in await audit.list_checkpoints()}
    for checkpoint in saved:
        report.checkpoints += 1
        where = f"saved checkpoint at entry {checkpoint.seq} ({checkpoint.signed_at.isoformat()})"
        problem = check_checkpoint_signature(checkpoint, pinned)
        if problem is not None:
            report.problems.append(f"{where}: cannot be trusted: {problem}")
            continue
        current = await audit.entry_hash_at(checkpoint.seq)
        if current is None:
            report.problems.append(
                f"{where}: entry {checkpoint.seq} is missing from the live log (removed or truncated)"
            )
        elif current != checkpoint.entry_hash:
            report.problems.append(f"{where}: the live log was rewritten at entry {checkpoint.seq} since it was signed")
        kept = live.get(checkpoint.seq)
        if kept is None or kept.signature != checkpoint.signature:
            report.problems.append(f"{where}: the live log no longer holds this checkpoint (deleted or replaced)")
    report.entries = (await audit.chain_head()).seq
    return report
