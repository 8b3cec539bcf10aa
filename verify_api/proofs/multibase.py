"""Multibase encodings used by Data Integrity proofs and Multikeys.

Only the two bases the specs need are supported:

- base58btc, prefix ``z`` (https://www.w3.org/TR/controller-document/#multibase-0 and
  draft-msporny-base58-03, Bitcoin alphabet);
- base64url without padding, prefix ``u`` (RFC 4648 §5).

Decoders are strict: they reject an empty value, a wrong prefix, characters outside the alphabet and,
for base64url, padding or non-canonical trailing bits, so that one byte string has exactly one encoding.
"""

from __future__ import annotations

import base64
import binascii

from verify_api.errors import ProofError

BASE58BTC_PREFIX = "z"
BASE64URL_PREFIX = "u"

_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {char: index for index, char in enumerate(_BASE58_ALPHABET)}
_BASE64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def encode_base58btc(data: bytes) -> str:
    """Encode bytes as base58btc (no multibase prefix); each leading zero byte becomes ``1``."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_BASE58_ALPHABET[remainder])
    return "1" * zeros + "".join(reversed(digits))


def decode_base58btc(text: str) -> bytes:
    """Decode base58btc text (no multibase prefix); raise `ProofError` if empty or on a bad character."""
    if not text:
        raise ProofError("base58btc value is empty")
    number = 0
    for position, char in enumerate(text):
        digit = _BASE58_INDEX.get(char)
        if digit is None:
            raise ProofError(f"invalid base58btc character {char!r} at position {position}")
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def encode_multibase_base58btc(data: bytes) -> str:
    """Encode bytes as a multibase base58btc string (``z`` prefix)."""
    return BASE58BTC_PREFIX + encode_base58btc(data)


def decode_multibase_base58btc(value: str) -> bytes:
    """Decode a multibase base58btc string; it must start with ``z``."""
    if not isinstance(value, str) or not value:
        raise ProofError("multibase value must be a non-empty string")
    if not value.startswith(BASE58BTC_PREFIX):
        raise ProofError(f"multibase value must use base58btc (prefix 'z'), found prefix {value[0]!r}")
    return decode_base58btc(value[1:])


def encode_base64url(data: bytes) -> str:
    """Encode bytes as base64url without padding (RFC 4648 §5, as JOSE uses it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(text: str) -> bytes:
    """Decode unpadded base64url; reject padding, other alphabets and non-canonical encodings."""
    if not text:
        raise ProofError("base64url value is empty")
    bad = next((char for char in text if char not in _BASE64URL_CHARS), None)
    if bad is not None:
        raise ProofError(f"invalid base64url character {bad!r} (padding is not allowed)")
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


def decode_multibase_base64url(value: str) -> bytes:
    """Decode a multibase base64url-no-pad string; it must start with ``u``."""
    if not isinstance(value, str) or not value:
        raise ProofError("multibase value must be a non-empty string")
    if not value.startswith(BASE64URL_PREFIX):
        raise ProofError(f"multibase value must use base64url (prefix 'u'), found prefix {value[0]!r}")
    return decode_base64url(value[1:])
