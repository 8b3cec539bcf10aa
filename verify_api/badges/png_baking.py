"""Open Badges 3.0 baking for PNG: the credential in an `iTXt` chunk with keyword `openbadgecredential`.

https://www.imsglobal.org/spec/ob/v3p0/#baking -- the chunk holds the credential as JSON or as a compact
JWS, uncompressed, with empty language tag and translated keyword, and appears at most once.

Reading is built for hostile uploads: the file is walked chunk by chunk from the length fields only
(image data is never decompressed or decoded), every length is checked against the bytes that remain,
every chunk's CRC is checked, the chunk count and the IHDR dimensions are capped. A compressed
`iTXt` (compression flag 1) is refused rather than inflated: the specification says compression MUST
NOT be used, so no valid badge needs it, and refusing removes the decompression-bomb risk entirely.
"""

from __future__ import annotations

import struct
import zlib
from typing import NamedTuple

from verify_api.badges.limits import DEFAULT_LIMITS, BadgeFileError, UnbakeLimits, check_size

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KEYWORD = b"openbadgecredential"
LEGACY_KEYWORD = b"openbadges"  # Open Badges 2.0
MAX_CHUNK_LENGTH = 2**31 - 1  # PNG spec: lengths are at most 2^31 - 1


class Chunk(NamedTuple):
    kind: bytes
    start: int  # offset of the length field
    end: int  # offset just past the CRC
    body: bytes


# C901: one loop over the PNG chunk grammar; each branch is one length, CRC or limit check on hostile input
def read_chunks(data: bytes, limits: UnbakeLimits = DEFAULT_LIMITS) -> list[Chunk]:  # noqa: C901
    """Split a PNG into chunks, checking its structure without decoding any image data."""
    check_size(data, limits, "PNG")
    if not data.startswith(PNG_SIGNATURE):
        raise BadgeFileError("the file is not a PNG: its signature is wrong")
    view = memoryview(data)
    chunks: list[Chunk] = []
    pos = len(PNG_SIGNATURE)
    while True:
        if len(chunks) >= limits.max_png_chunks:
            raise BadgeFileError(f"the PNG has more than {limits.max_png_chunks} chunks")
        if pos + 12 > len(data):
            raise BadgeFileError("the PNG is truncated: it ends before its IEND chunk")
        length = int.from_bytes(view[pos : pos + 4], "big")
        kind = bytes(view[pos + 4 : pos + 8])
        if length > MAX_CHUNK_LENGTH:
            raise BadgeFileError("PNG chunk length is larger than the PNG format allows")
        if not kind.isalpha():
            raise BadgeFileError("the PNG has a chunk whose type is not four ASCII letters")
        end = pos + 12 + length
        if end > len(data):
            raise BadgeFileError(f"PNG chunk length exceeds file size ({kind.decode()} chunk)")
        stored_crc = int.from_bytes(view[end - 4 : end], "big")
        if zlib.crc32(view[pos + 4 : end - 4]) != stored_crc:
            raise BadgeFileError(f"the PNG's {kind.decode()} chunk fails its CRC check (the file is corrupt)")
        if not chunks and kind != b"IHDR":
            raise BadgeFileError("the PNG does not start with an IHDR chunk")
        chunks.append(Chunk(kind, pos, end, bytes(view[pos + 8 : end - 4]) if kind != b"IDAT" else b""))
        pos = end
        if kind == b"IEND":
            break
    if pos != len(data):
        raise BadgeFileError("the PNG has data after its IEND chunk")
    _check_header(chunks[0].body, limits)
    return chunks


def _check_header(body: bytes, limits: UnbakeLimits) -> None:
    if len(body) != 13:
        raise BadgeFileError("the PNG's IHDR chunk has the wrong length")
    width, height = struct.unpack(">II", body[:8])
    if not (0 < width <= limits.max_png_dimension and 0 < height <= limits.max_png_dimension):
        raise BadgeFileError(
            f"the PNG is {width} x {height} pixels; at most {limits.max_png_dimension} per side is accepted"
        )


def _keyword(chunk: Chunk) -> bytes:
    end = chunk.body.find(b"\0", 0, 80)  # keywords are 1-79 bytes
    return chunk.body[:end] if end > 0 else b""


def _is_credential(chunk: Chunk) -> bool:
    return chunk.kind == b"iTXt" and _keyword(chunk) == KEYWORD


def _credential_text(body: bytes, limits: UnbakeLimits) -> str:
    """Return the text of an `openbadgecredential` iTXt chunk body (keyword already matched)."""
    flags_at = len(KEYWORD) + 1
    if len(body) < flags_at + 4:
        raise BadgeFileError("the openbadgecredential iTXt chunk is too short to be valid")
    compression_flag = body[flags_at]
    if compression_flag == 1:
        raise BadgeFileError("the openbadgecredential iTXt chunk is compressed; Open Badges baking forbids compression")
    if compression_flag != 0:
        raise BadgeFileError("the openbadgecredential iTXt chunk has an invalid compression flag")
    language_end = body.find(b"\0", flags_at + 2)
    translated_end = body.find(b"\0", language_end + 1) if language_end >= 0 else -1
    if translated_end < 0:
        raise BadgeFileError("the openbadgecredential iTXt chunk is malformed (missing separators)")
    raw = body[translated_end + 1 :]
    if len(raw) > limits.max_credential_bytes:
        raise BadgeFileError(f"the baked credential is larger than {limits.max_credential_bytes} bytes")
    try:
        text = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise BadgeFileError("the baked credential is not valid UTF-8") from None
    if not text:
        raise BadgeFileError("the openbadgecredential iTXt chunk is empty")
    return text


def unbake_png(data: bytes, *, limits: UnbakeLimits = DEFAULT_LIMITS) -> str:
    """Return the credential (JSON text or compact JWS) baked into a PNG."""
    chunks = read_chunks(data, limits)
    found = [chunk for chunk in chunks if _is_credential(chunk)]
    if not found:
        if any(chunk.kind in {b"iTXt", b"tEXt"} and _keyword(chunk) == LEGACY_KEYWORD for chunk in chunks):
            raise BadgeFileError(
                "the PNG holds an Open Badges 2.0 assertion ('openbadges' chunk), not an Open Badges 3.0 credential"
            )
        raise BadgeFileError("the PNG holds no openbadgecredential iTXt chunk")
    if len(found) > 1:
        raise BadgeFileError("the PNG holds more than one openbadgecredential iTXt chunk")
    return _credential_text(found[0].body, limits)


def credential_chunk(credential: str) -> bytes:
    """Build the `iTXt` chunk: keyword, compression flag and method 0, empty language and translation."""
    body = KEYWORD + b"\0\0\0\0\0" + credential.encode("utf-8")
    return len(body).to_bytes(4, "big") + b"iTXt" + body + zlib.crc32(b"iTXt" + body).to_bytes(4, "big")


def bake_png(png: bytes, credential: str, *, limits: UnbakeLimits = DEFAULT_LIMITS) -> bytes:
    """Return `png` with `credential` baked in just before IEND, replacing any earlier credential chunk."""
    credential = credential.strip()
    if not credential:
        raise ValueError("the credential to bake is empty")
    if len(credential.encode("utf-8")) > limits.max_credential_bytes:
        raise ValueError(f"the credential is larger than {limits.max_credential_bytes} bytes")
    chunks = read_chunks(png, limits)
    parts = [png[: len(PNG_SIGNATURE)]]
    for chunk in chunks:
        if chunk.kind == b"IEND":
            parts.append(credential_chunk(credential))
        if not _is_credential(chunk):
            parts.append(png[chunk.start : chunk.end])
    return b"".join(parts)
