"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/).

The bitstring is GZIP-compressed, then base64url-encoded without padding and multibase-prefixed with `u`
(section 3.1, "encodedList"). Index 0 is the left-most bit: the most significant bit of the first byte
(section 3.2, "Bitstring Generation Algorithm"). Lists hold at least 131,072 entries (16 KiB) so that one
credential's index hides among many (section 6.1, "Herd privacy").
"""

from __future__ import annotations

import base64
import gzip
import zlib
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable

# The statusPurpose values this register publishes lists for (section 2.1, "statusPurpose").
StatusPurpose = Literal["revocation", "suspension"]
MINIMUM_ENTRIES = 131_072
# Decompressed lists larger than this are refused when decoding someone else's list (a gzip bomb guard).
MAX_DECODED_BYTES = 16 * 1024 * 1024


class BitstringError(ValueError):
    """An encoded list is malformed."""


def generate_bitstring(size: int, set_indexes: Iterable[int]) -> bytes:
    """Bitstring Generation Algorithm (section 3.2): every index in `set_indexes` is a 1 bit."""
    if size % 8 or size < MINIMUM_ENTRIES:
        raise ValueError(f"a status list has a multiple of 8 and at least {MINIMUM_ENTRIES} entries")
    bits = bytearray(size // 8)
    for index in set_indexes:
        if not 0 <= index < size:
            raise ValueError(f"index {index} is outside a list of {size}")
        bits[index >> 3] |= 0x80 >> (index & 7)
    return bytes(bits)


def encode_list(bitstring: bytes) -> str:
    """GZIP (mtime 0 so equal lists encode to equal strings), base64url without padding, multibase `u`."""
    compressed = gzip.compress(bitstring, compresslevel=9, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def expand_bitstring(encoded: str, *, max_bytes: int = MAX_DECODED_BYTES) -> bytes:
    """Bitstring Expansion Algorithm (section 3.3)."""
    if not encoded.startswith("u"):
        raise BitstringError("encodedList must be multibase base64url (prefix 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise BitstringError("encodedList is not valid base64url") from exc
    inflater = zlib.decompressobj(wbits=31)
    try:
        bits = inflater.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise BitstringError("encodedList is not valid GZIP") from exc
    if len(bits) > max_bytes:
        raise BitstringError(f"encodedList expands beyond {max_bytes} bytes")
    return bits


def bit_at(bitstring: bytes, index: int) -> bool:
    """Validate Algorithm's step of reading the status bit at statusListIndex (index 0 is left-most)."""
    if not 0 <= index < len(bitstring) * 8:
        raise BitstringError(f"statusListIndex {index} is outside a list of {len(bitstring) * 8} entries")
    return bool(bitstring[index >> 3] & (0x80 >> (index & 7)))
