"""The public-key history beside the signing key: what audit checkpoints are pinned to."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest

from verify_api.errors import KeyHistoryError
from verify_api.proofs.keys import generate_signer
from verify_api.services.key_history import (
    PinnedKey,
    history_path,
    pinned_keys_sync,
    read_key_history_sync,
    record_key_sync,
)

if TYPE_CHECKING:
    from pathlib import Path

T0 = datetime(2026, 1, 1, tzinfo=UTC)
T1 = datetime(2026, 6, 1, tzinfo=UTC)


def test_history_lives_beside_the_key(tmp_path: Path) -> None:
    assert history_path(tmp_path / "issuer.pem") == tmp_path / "issuer.history.json"


def test_recording_a_new_key_retires_the_one_it_replaces(tmp_path: Path) -> None:
    key_path = tmp_path / "issuer.pem"
    old, new = generate_signer(), generate_signer()
    record_key_sync(
        key_path, kid=f"did:web:x#{old.public_key_multibase}", public_key_multibase=old.public_key_multibase, created=T0
    )
    record_key_sync(
        key_path, kid=f"did:web:x#{new.public_key_multibase}", public_key_multibase=new.public_key_multibase, created=T1
    )
    keys = read_key_history_sync(history_path(key_path))
    assert [(k.public_key_multibase, k.created, k.retired) for k in keys] == [
        (old.public_key_multibase, T0, T1),
        (new.public_key_multibase, T1, None),
    ]
    assert history_path(key_path).read_text().count('"publicKeyMultibase"') == 2


def test_a_replaced_key_the_history_never_knew_is_added_retired(tmp_path: Path) -> None:
    key_path = tmp_path / "issuer.pem"
    old, new = generate_signer(), generate_signer()
    replaced = PinnedKey(kid="did:web:x#old", public_key_multibase=old.public_key_multibase)
    record_key_sync(
        key_path, kid="did:web:x#new", public_key_multibase=new.public_key_multibase, created=T1, replaces=replaced
    )
    keys = read_key_history_sync(history_path(key_path))
    assert [(k.kid, k.retired) for k in keys] == [("did:web:x#old", T1), ("did:web:x#new", None)]


def test_pinned_keys_are_found_by_the_kid_fragment_under_any_did(tmp_path: Path) -> None:
    key = generate_signer()
    active = PinnedKey(kid=f"did:web:a#{key.public_key_multibase}", public_key_multibase=key.public_key_multibase)
    pinned = pinned_keys_sync(tmp_path / "issuer.pem", active)
    assert pinned.for_kid(f"did:web:b.example#{key.public_key_multibase}") == active
    assert pinned.for_kid(f"did:web:a#{generate_signer().public_key_multibase}") is None


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"{", "malformed"),
        (b'{"keys": [{"kid": "k"}]}', "malformed"),
        (b'{"keys": [{"kid": "k", "publicKeyMultibase": "zNotAKey"}]}', "not an Ed25519 Multikey"),
    ],
)
def test_a_bad_history_is_an_error_never_ignored(tmp_path: Path, content: bytes, match: str) -> None:
    key_path = tmp_path / "issuer.pem"
    history_path(key_path).write_bytes(content)
    with pytest.raises(KeyHistoryError, match=match):
        pinned_keys_sync(key_path, None)
