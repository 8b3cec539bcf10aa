"""Multibase encodings used by Data Integrity proofs and Multikeys.

Only the two bases the specs need are supported:

- base58btc, prefix ``z`` (https://www.w3.org/TR/controller-document/#multibase-0 and
  draft-msporny-base58-03, Bitcoin alphabet);
- base64url without padding, prefix ``u`` (RFC 4648 §5).

Decoders are strict: they reject an empty value, a wrong prefix, characters outside the alphabet and,
for base64url, padding or non-canonical trailing bits, so that one byte string has exactly one encoding.

They are also bounded, because their input comes from anyone: the length is checked against a cap before any
other work, and the alphabet with one C-speed pass. Base58 is a base conversion whose big-integer arithmetic grows
with the square of the length (a 400 KB `proofValue` took 24 s of CPU), so its cap is small: nothing the specs
define is longer than a 64-byte signature (88 characters) or a Multikey (under 50).
"""

from __future__ import annotations

import base64
import binascii
import re

from verify_api.errors import ProofError

BASE58BTC_PREFIX = "z"
BASE64URL_PREFIX = "u"

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}
_NOT_BASE58 = re.compile(f"[^{_BASE58_ALPHABET}]")
_NOT_BASE64URL = re.compile("[^A-Za-z0-9_-]")
# Digits are folded into the big integer eight at a time (58^8 < 2^47), so the arithmetic runs 1/8 as often.
_BASE58_GROUP = 8
MAX_BASE58_CHARS = 256  # decodes to at most 188 bytes; a signature is 88 characters, a Multikey under 50
MAX_BASE64URL_CHARS = 1_400_000  # decodes to at most 1 MiB (JOSE: a JWT is capped at 256 KiB before this)


def encode_base58btc(data: bytes) -> str:
    """Encode bytes as base58btc (no multibase prefix); each leading zero byte becomes ``1``."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def decode_base58btc(text: str, *, max_chars: int = MAX_BASE58_CHARS) -> bytes:
    """Decode base58btc text (no multibase prefix); raise `ProofError` if empty, too long or on a bad character.

    draft-msporny-base58-03 §3 (decoding): each leading ``1`` is a zero byte, the rest is a big-endian base-58
    number. The length is checked first, then the alphabet in one pass, and only then is anything converted.
    """
    if not text:
        raise ProofError("base58btc value is empty")
    if len(text) > max_chars:
        raise ProofError(
            f"base58btc value is {len(text)} characters long; at most {max_chars} are accepted "
            "(no signature or key this service reads is longer)"
        )
    bad = _NOT_BASE58.search(text)
    if bad is not None:
        raise ProofError(f"invalid base58btc character {bad.group()!r} at position {bad.start()}")
    number = 0
    for start in range(0, len(text), _BASE58_GROUP):
        group = text[start : start + _BASE58_GROUP]
        value = 0
        for char in group:
            value = value * 58 + _BASE58_INDEX[char]
        number = number * 58 ** len(group) + value
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def _multibase_body(value: object, prefix: str, base: str) -> str:
    """The characters after a multibase prefix, once `value` is a non-empty string starting with `prefix`."""
    if not isinstance(value, str) or not value:
        raise ProofError("multibase value must be a non-empty string")
    if not value.startswith(prefix):
        raise ProofError(f"multibase value must use {base} (prefix {prefix!r}), found prefix {value[0]!r}")
    return value[len(prefix) :]


def encode_multibase_base58btc(data: bytes) -> str:
    """Encode bytes as a multibase base58btc string (``z`` prefix)."""
    return BASE58BTC_PREFIX + encode_base58btc(data)


def decode_multibase_base58btc(value: str, *, max_chars: int = MAX_BASE58_CHARS) -> bytes:
    """Decode a multibase base58btc string; it must start with ``z`` (the cap counts the characters after it)."""
    return decode_base58btc(_multibase_body(value, BASE58BTC_PREFIX, "base58btc"), max_chars=max_chars)


def encode_base64url(data: bytes) -> str:
    """Encode bytes as base64url without padding (RFC 4648 §5, as JOSE uses it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(text: str, *, max_chars: int = MAX_BASE64URL_CHARS) -> bytes:
    """Decode unpadded base64url; reject padding, other alphabets, non-canonical encodings and oversized values."""
    if not text:
        raise ProofError("base64url value is empty")
    if len(text) > max_chars:
        raise ProofError(f"base64url value is {len(text)} characters long; at most {max_chars} are accepted")
    bad = _NOT_BASE64URL.search(text)
    if bad is not None:
        raise ProofError(f"invalid base64url character {bad.group()!r} (padding is not allowed)")
    if len(text) % 4 == 1:
        raise ProofError("base64url value has an impossible length")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except binascii.Error as exc:  # pragma: no cover - the checks above leave nothing for it to reject
        raise ProofError("invalid base64url value") from exc
    if encode_base64url(data) != text:
        raise ProofError("base64url value is not canonical (unused trailing bits are set)")
    return data


def encode_multibase_base64url(data: bytes) -> str:
    """Encode bytes as a multibase base64url-no-pad string (``u`` prefix)."""
    return BASE64URL_PREFIX + encode_base64url(data)


def decode_multibase_base64url(value: str, *, max_chars: int = MAX_BASE64URL_CHARS) -> bytes:
    """Decode a multibase base64url-no-pad string; it must start with ``u``."""
    return decode_base64url(_multibase_body(value, BASE64URL_PREFIX, "base64url"), max_chars=max_chars)
