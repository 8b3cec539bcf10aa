"""The event log's hash chain: the canonical bytes each entry's hash covers, computed in Python from raw columns.

`entry_hash = SHA-256(prev_hash || hash_input)`, with `prev_hash` the previous entry's `entry_hash` (32 zero bytes
before the first entry). The writer (db/events.py) and the verifier (services/audit.py) both call
`event_hash_input` on the column values, so no SQL function decides what a hash covers.

Version 2 (every entry written since migration 0003) is documented in README "Tamper-evident history":

    hash_input = b"pai-verify/event/v2" || 0x00 || JCS({"seq", "occurredAt", "kind", "credentialId",
                                                      "organizationId", "actor", "data"})

JCS is RFC 8785. `seq` is an integer; `occurredAt` is UTC with microseconds, `YYYY-MM-DDTHH:MM:SS.ffffffZ`;
`credentialId`, `organizationId` (lowercase hyphenated UUID) and `actor` (the same) are strings or null; `data` is
the event's JSON object. A JSON object has one spelling under JCS, so two different rows never share an input.

Version 1 (entries written before migration 0003) is the SQL encoding of migration 0002, re-implemented here so
old entries keep verifying: the fields' text joined by U+001F, with `data` in PostgreSQL's jsonb text form.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import msgspec
import rfc8785

GENESIS = bytes(32)
CHAIN_VERSION = 2
_V2_DOMAIN = b"pai-verify/event/v2\x00"
_JCS_SAFE_INTEGER = 2**53 - 1


class EventColumns(msgspec.Struct, frozen=True):
    """The columns of one event that its hash covers, as stored."""

    seq: int
    occurred_at: datetime
    kind: str
    credential_id: str | None
    organization_id: UUID | None
    actor: UUID | None
    data: dict[str, Any]


def format_occurred_at(value: datetime) -> str:
    """RFC 3339 in UTC with exactly six fractional digits (PostgreSQL keeps microseconds)."""
    u = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"{u.year:04d}-{u.month:02d}-{u.day:02d}T{u.hour:02d}:{u.minute:02d}:{u.second:02d}.{u.microsecond:06d}Z"


def normalise_event_data(data: dict[str, Any]) -> dict[str, Any]:
    """The value jsonb will give back: what msgspec encodes (UUIDs, datetimes as strings), decoded again."""
    value = msgspec.json.decode(msgspec.json.encode(data))
    if not isinstance(value, dict):
        raise TypeError("event data must be a JSON object")
    return value


def event_hash_input(event: EventColumns) -> bytes:
    """Version 2: the domain tag, then the RFC 8785 (JCS) serialisation of every column the hash covers."""
    return _V2_DOMAIN + canonical_json(
        {
            "seq": event.seq,
            "occurredAt": format_occurred_at(event.occurred_at),
            "kind": event.kind,
            "credentialId": event.credential_id,
            "organizationId": None if event.organization_id is None else str(event.organization_id),
            "actor": None if event.actor is None else str(event.actor),
            "data": event.data,
        }
    )


def canonical_json(value: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) of `value`, by rfc8785, or by msgspec's sorted encoding when that is the same bytes (a bulk
    batch hashes thousands of events; rfc8785 is pure Python). The two agree on a value without floats (JCS writes
    numbers as ECMAScript does, 1.0 as 1), with integers in JCS's safe range (rfc8785 refuses others) and with ASCII
    member names (JCS sorts names by UTF-16 code units, msgspec by code points; they differ only beyond ASCII); the
    strings they escape alike (tests/unit/test_event_chain.py checks both against each other on arbitrary JSON)."""
    if _msgspec_is_jcs(value):
        return msgspec.json.encode(value, order="sorted")
    return bytes(rfc8785.dumps(value))


def _msgspec_is_jcs(value: object) -> bool:
    """Exact JSON types only (a subclass, say an enum, may encode otherwise): those rfc8785 and msgspec agree on."""
    kind = type(value)
    if value is None or kind is str or kind is bool:
        return True
    if isinstance(value, int) and kind is int:
        return -_JCS_SAFE_INTEGER <= value <= _JCS_SAFE_INTEGER
    if isinstance(value, dict) and kind is dict:
        return all(type(k) is str and k.isascii() and _msgspec_is_jcs(v) for k, v in value.items())
    if isinstance(value, list) and kind is list:
        return all(_msgspec_is_jcs(item) for item in value)
    return False


def unnumbered_hash_input(event: EventColumns) -> bytes:
    """`event_hash_input` up to its `seq`, for an event not yet numbered (`event.seq` is ignored).

    JCS sorts members by their names' UTF-16 code units, and "seq" sorts after every other name the input has
    ("actor", "credentialId", "data", "kind", "occurredAt", "organizationId"), so `seq` is always the last member:
    the input is this prefix, then `,"seq":N}` (`numbered_hash_input`). A batch writer computes the prefixes before it
    holds the chain head and only numbers and hashes them under its lock."""
    whole = event_hash_input(msgspec.structs.replace(event, seq=0))
    suffix = b',"seq":0}'
    assert whole.endswith(suffix), "seq is the last member under JCS"
    return whole[: -len(suffix)]


def numbered_hash_input(unnumbered: bytes, seq: int) -> bytes:
    """The version-2 hash input of an event numbered `seq` from its `unnumbered_hash_input` (an integer below 2**53
    is written by JCS in plain decimal digits)."""
    if not 0 <= seq < 2**53:
        raise ValueError("an event number must be below 2**53")
    return b'%b,"seq":%d}' % (unnumbered, seq)


def legacy_event_hash_input(event: EventColumns, data_text: str) -> bytes:
    """Version 1 (migration 0002's `event_hash_input`): concat_ws(U+001F, ...) with jsonb's own text of `data`."""
    fields = [
        str(event.seq),
        format_occurred_at(event.occurred_at),
        event.kind,
        event.credential_id or "",
        "" if event.organization_id is None else str(event.organization_id),
        "" if event.actor is None else str(event.actor),
        data_text,
    ]
    return "\x1f".join(fields).encode()


def entry_hash(prev_hash: bytes, hash_input: bytes) -> bytes:
    return hashlib.sha256(prev_hash + hash_input).digest()
