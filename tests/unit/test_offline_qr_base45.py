"""Base45 (RFC 9285) proven with the RFC's own examples and error cases."""

from __future__ import annotations

import os

import pytest

from verify_api.badges.qr import is_alphanumeric
from verify_api.errors import ProofError
from verify_api.proofs.base45 import MAX_BASE45_CHARS, Base45Error, b45decode, b45encode

RFC_9285_EXAMPLES = [  # RFC 9285 §4.3 (encoding) and §4.4 (decoding)
    (b"AB", "BB8"),
    (b"Hello!!", "%69 VD92EX0"),
    (b"base-45", "UJCLQE7W581"),
    (b"ietf!", "QED8WEX0"),
]


@pytest.mark.parametrize(("raw", "text"), RFC_9285_EXAMPLES)
def test_base45_matches_rfc_9285_examples(raw: bytes, text: str) -> None:
    assert b45encode(raw) == text
    assert b45decode(text) == raw


def test_base45_round_trips_every_length_and_byte() -> None:
    for length in range(40):
        data = os.urandom(length)
        assert b45decode(b45encode(data)) == data
    everything = bytes(range(256)) + b"\xff\xff\x00\x00"
    encoded = b45encode(everything)
    assert is_alphanumeric(encoded)
    assert b45decode(encoded) == everything


def test_base45_rejects_a_triplet_above_65535() -> None:
    # RFC 9285 §6: "GGW" decodes to 65536, which two bytes cannot hold.
    with pytest.raises(Base45Error, match="more than two bytes"):
        b45decode("GGW")


def test_base45_rejects_a_final_pair_above_255() -> None:
    with pytest.raises(Base45Error, match="more than one byte"):
        b45decode("::")


def test_base45_rejects_characters_outside_the_alphabet() -> None:
    with pytest.raises(Base45Error, match="not a Base45 character"):
        b45decode("bb8")  # lower case is not Base45


def test_base45_rejects_a_dangling_character() -> None:
    with pytest.raises(Base45Error, match="3n \\+ 1"):
        b45decode("BB8A")


def test_base45_refuses_oversized_text_naming_the_cap() -> None:
    with pytest.raises(Base45Error, match=f"at most {MAX_BASE45_CHARS} are accepted"):
        b45decode("0" * (MAX_BASE45_CHARS + 3))


def test_base45_errors_are_proof_errors() -> None:
    with pytest.raises(ProofError, match="not a Base45 character"):
        b45decode("bb8")
