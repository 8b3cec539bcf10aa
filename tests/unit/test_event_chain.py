"""The event log's hash input is the documented canonical encoding (README "Tamper-evident history")."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID

import msgspec
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from verify_api.db.event_chain import (
    GENESIS,
    EventColumns,
    _msgspec_is_jcs,
    canonical_json,
    entry_hash,
    event_hash_input,
    legacy_event_hash_input,
    normalise_event_data,
    numbered_hash_input,
    unnumbered_hash_input,
)

ACTOR = UUID("0b6f3a5e-4c1d-4f7a-9a51-2d3c4b5a6978")
EVENT = EventColumns(
    seq=7,
    occurred_at=datetime(2026, 11, 27, 9, 0, 0, 120, tzinfo=UTC),
    kind="credential_revoked",
    credential_id="dmhyx5tqr2tmnrpq6fwzy3yhsm",
    organization_id=None,
    actor=ACTOR,
    data={"reason": "misconduct", "note": "é", "n": [1, None, True]},
)


def test_event_hash_input_is_the_domain_tag_and_the_jcs_of_the_columns() -> None:
    assert event_hash_input(EVENT) == (
        b"pai-verify/event/v2\x00"
        b'{"actor":"0b6f3a5e-4c1d-4f7a-9a51-2d3c4b5a6978","credentialId":"dmhyx5tqr2tmnrpq6fwzy3yhsm",'
        b'"data":{"n":[1,null,true],"note":"\xc3\xa9","reason":"misconduct"},"kind":"credential_revoked",'
        b'"occurredAt":"2026-11-27T09:00:00.000120Z","organizationId":null,"seq":7}'
    )


def test_entry_hash_is_sha256_of_the_previous_hash_and_the_input() -> None:
    assert entry_hash(GENESIS, b"abc") == hashlib.sha256(bytes(32) + b"abc").digest()


def test_every_column_changes_the_input() -> None:
    base = event_hash_input(EVENT)
    changes = {
        "seq": 8,
        "occurred_at": EVENT.occurred_at + timedelta(microseconds=1),
        "kind": "credential_suspended",
        "credential_id": None,
        "organization_id": ACTOR,
        "actor": None,
        "data": {"reason": "misconduct"},
    }
    for name, value in changes.items():
        assert event_hash_input(msgspec.structs.replace(EVENT, **{name: value})) != base, name


def test_the_same_instant_in_another_zone_hashes_the_same() -> None:
    elsewhere = EVENT.occurred_at.astimezone(timezone(timedelta(hours=14)))
    assert event_hash_input(msgspec.structs.replace(EVENT, occurred_at=elsewhere)) == event_hash_input(EVENT)


def test_event_data_is_hashed_as_jsonb_gives_it_back() -> None:
    assert normalise_event_data({"id": ACTOR, "t": (1, 2)}) == {"id": str(ACTOR), "t": [1, 2]}


def test_legacy_input_is_migration_0002s_concatenation() -> None:
    assert legacy_event_hash_input(EVENT, '{"a": 1}') == (
        b"7\x1f2026-11-27T09:00:00.000120Z\x1fcredential_revoked\x1fdmhyx5tqr2tmnrpq6fwzy3yhsm\x1f\x1f"
        b'0b6f3a5e-4c1d-4f7a-9a51-2d3c4b5a6978\x1f{"a": 1}'
    )


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    seq=st.integers(0, 2**53 - 1),
    kind=st.text(min_size=1),
    credential_id=st.none() | st.text(),
    data=st.dictionaries(st.text(max_size=12), _JSON, max_size=5),
)
def test_an_event_numbered_after_hashing_its_prefix_has_the_same_input(
    seq: int, kind: str, credential_id: str | None, data: dict[str, object]
) -> None:
    event = msgspec.structs.replace(EVENT, seq=seq, kind=kind, credential_id=credential_id, data=data)
    assert numbered_hash_input(unnumbered_hash_input(event), seq) == event_hash_input(event)


def test_an_event_number_beyond_what_jcs_writes_as_digits_is_refused() -> None:
    with pytest.raises(ValueError, match="2\\*\\*53"):
        numbered_hash_input(unnumbered_hash_input(EVENT), 2**53)


# Any JSON value, floats and out-of-range integers included: what the msgspec path must either match or leave to
# rfc8785.
_ANY_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=16,
)


@settings(max_examples=150, deadline=None)
@given(value=st.dictionaries(st.text(max_size=8), _ANY_JSON, max_size=6))
def test_canonical_json_is_rfc8785(value: dict[str, Any]) -> None:
    try:
        expected = bytes(rfc8785.dumps(value))
    except rfc8785.IntegerDomainError:
        with pytest.raises(rfc8785.IntegerDomainError):
            canonical_json(value)
        return
    assert canonical_json(value) == expected


def test_canonical_json_takes_the_fast_path_for_event_data_and_not_for_floats() -> None:
    data = {"tier": "AIDA", "assessments": ["0b6f3a5e-4c1d-4f7a-9a51-2d3c4b5a6978"], "predecessor": None, "n": 3}
    assert _msgspec_is_jcs({"data": data, "kind": "credential_issued", "note": 'é "\\ \n\x01\u2028'})
    assert not _msgspec_is_jcs({"score": 1.0})
    assert not _msgspec_is_jcs({"n": 2**53})
    assert not _msgspec_is_jcs({"nötascii": 1})
    assert canonical_json({"score": 1.0, "b": [2.5e-7]}) == b'{"b":[2.5e-7],"score":1}'
