"""Multibase base58btc ('z') and base64url-no-pad ('u')."""

from __future__ import annotations

import os
import time

import pytest

from verify_api.errors import ProofError
from verify_api.proofs.multibase import (
    MAX_BASE58_CHARS,
    MAX_BASE64URL_CHARS,
    decode_base58btc,
    decode_base64url,
    decode_multibase_base58btc,
    decode_multibase_base64url,
    encode_base58btc,
    encode_base64url,
    encode_multibase_base58btc,
    encode_multibase_base64url,
)

# Known answers from draft-msporny-base58-03 §5 ("Hello World!", the 0x0000287fb4cd example) and Bitcoin.
BASE58_KNOWN = [
    (b"", ""),
    (b"Hello World!", "2NEpo7TZRRrLZSi2U"),
    (
        b"The quick brown fox jumps over the lazy dog.",
        "USm3fpXnKG5EUBx2ndxBDMPVciP5hGey2Jh4NDv6gmeo1LkMeiKrLJUUBk6Z",
    ),
    (bytes.fromhex("0000287fb4cd"), "11233QC4"),
    (b"\x00", "1"),
]


@pytest.mark.parametrize(("raw", "text"), BASE58_KNOWN)
def test_base58btc_encodes_known_answers(raw: bytes, text: str) -> None:
    assert encode_base58btc(raw) == text


@pytest.mark.parametrize(("raw", "text"), [pair for pair in BASE58_KNOWN if pair[1]])
def test_base58btc_decodes_known_answers(raw: bytes, text: str) -> None:
    assert decode_base58btc(text) == raw


def test_base58btc_round_trips_leading_zeros() -> None:
    data = b"\x00\x00\x01\xff" + bytes(range(40))
    assert decode_multibase_base58btc(encode_multibase_base58btc(data)) == data


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "+", " "])
def test_base58btc_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(ProofError, match="invalid base58btc character"):
        decode_base58btc("z2" + bad)


def test_base58btc_rejects_empty_value() -> None:
    with pytest.raises(ProofError, match="empty"):
        decode_base58btc("")


def test_multibase_base58btc_rejects_other_prefix() -> None:
    with pytest.raises(ProofError, match=r"must use base58btc \(prefix 'z'\), found prefix 'u'"):
        decode_multibase_base58btc("uAAAA")


def test_multibase_base58btc_rejects_bare_prefix() -> None:
    with pytest.raises(ProofError, match="empty"):
        decode_multibase_base58btc("z")


def test_base64url_matches_rfc4648_test_vectors() -> None:
    # RFC 4648 §10, in the URL-safe alphabet without padding.
    cases = {
        b"f": "Zg",
        b"fo": "Zm8",
        b"foo": "Zm9v",
        b"foob": "Zm9vYg",
        b"fooba": "Zm9vYmE",
        b"foobar": "Zm9vYmFy",
    }
    for raw, text in cases.items():
        assert encode_base64url(raw) == text
        assert decode_base64url(text) == raw


def test_multibase_base64url_round_trips_url_safe_alphabet() -> None:
    data = bytes([0xFB, 0xFF, 0xBF])
    assert encode_multibase_base64url(data) == "u-_-_"
    assert decode_multibase_base64url("u-_-_") == data


def test_base64url_rejects_padding() -> None:
    with pytest.raises(ProofError, match="padding is not allowed"):
        decode_base64url("Zg==")


def test_base64url_rejects_standard_alphabet() -> None:
    with pytest.raises(ProofError, match=r"invalid base64url character '\+'"):
        decode_base64url("+/+/")


def test_base64url_rejects_impossible_length() -> None:
    with pytest.raises(ProofError, match="impossible length"):
        decode_base64url("Zm9vY")


def test_base64url_rejects_non_canonical_trailing_bits() -> None:
    with pytest.raises(ProofError, match="not canonical"):
        decode_base64url("Zh")


def test_multibase_base64url_rejects_other_prefix() -> None:
    with pytest.raises(ProofError, match="prefix 'u'"):
        decode_multibase_base64url("zZg")


def test_base58btc_refuses_an_oversized_value_at_once() -> None:
    """The attack: a 400 KB unauthenticated proofValue cost 24 s of CPU in the quadratic big-integer decoding."""
    start = time.perf_counter()
    with pytest.raises(ProofError, match=f"400000 characters long; at most {MAX_BASE58_CHARS} are accepted"):
        decode_multibase_base58btc("z" + "2" * 400_000)
    assert time.perf_counter() - start < 0.05


def test_base58btc_decodes_up_to_its_cap_and_checks_the_alphabet_first() -> None:
    data = b"\x00" + bytes(range(1, 187))
    text = encode_base58btc(data)
    assert len(text) <= MAX_BASE58_CHARS
    assert decode_base58btc(text) == data
    with pytest.raises(ProofError, match="invalid base58btc character '0' at position 3"):
        decode_base58btc("zzz0" + "z" * (MAX_BASE58_CHARS - 4))


def test_base58btc_grouped_decoding_matches_digit_by_digit() -> None:
    for length in range(1, 120):
        data = os.urandom(length)
        assert decode_base58btc(encode_base58btc(data)) == data


def test_base64url_refuses_an_oversized_value_naming_the_cap() -> None:
    with pytest.raises(ProofError, match=f"at most {MAX_BASE64URL_CHARS} are accepted"):
        decode_base64url("A" * (MAX_BASE64URL_CHARS + 4))
    with pytest.raises(ProofError, match="at most 8 are accepted"):
        decode_multibase_base64url("u" + "A" * 12, max_chars=8)
