"""Base45 (RFC 9285): binary data as text made only of the 45 characters of the QR alphanumeric mode.

https://www.rfc-editor.org/rfc/rfc9285. Each pair of bytes becomes three characters and a trailing single
byte two, so Base45 in an alphanumeric QR code takes ~3 % fewer bits than the bytes themselves in byte mode
and far fewer than Base64 would (which needs byte mode).
"""

from __future__ import annotations

from verify_api.errors import ProofError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_VALUES = {char: value for value, char in enumerate(ALPHABET)}
MAX_BASE45_CHARS = 4096  # decodes to at most 2,730 bytes; an offline QR payload is under 300 characters


class Base45Error(ProofError, ValueError):
    """The text is not valid Base45."""


def b45encode(data: bytes) -> str:
    """RFC 9285 §4: each two bytes (a, b) give n = a*256 + b = c + d*45 + e*45*45, written c d e."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        e, rest = divmod(n, 45 * 45)
        d, c = divmod(rest, 45)
        out += (ALPHABET[c], ALPHABET[d], ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (ALPHABET[c], ALPHABET[d])
    return "".join(out)


def b45decode(text: str, *, max_chars: int = MAX_BASE45_CHARS) -> bytes:
    """RFC 9285 §4.2, with its error cases: a stray character, a lone final character, a value out of range.

    Text longer than `max_chars` is refused before anything is decoded (RFC 9285 sets no limit; this service reads
    only short QR payloads).
    """
    if len(text) > max_chars:
        raise Base45Error(f"Base45 text is {len(text)} characters long; at most {max_chars} are accepted")
    try:
        values = [_VALUES[char] for char in text]
    except KeyError as exc:
        raise Base45Error(f"{exc.args[0]!r} is not a Base45 character") from None
    if len(values) % 3 == 1:
        raise Base45Error("Base45 text cannot have a length of 3n + 1 characters")
    out = bytearray()
    for i in range(0, len(values), 3):
        group = values[i : i + 3]
        if len(group) == 3:
            n = group[0] + group[1] * 45 + group[2] * 45 * 45
            if n > 0xFFFF:
                raise Base45Error(f"Base45 triplet at offset {i} encodes {n}, more than two bytes can hold")
            out += n.to_bytes(2, "big")
        else:
            n = group[0] + group[1] * 45
            if n > 0xFF:
                raise Base45Error(f"the final Base45 pair encodes {n}, more than one byte can hold")
            out.append(n)
    return bytes(out)
