"""The offline QR: a compact credential summary signed with the issuer's Ed25519 key, checkable with no network.

Text form: ``PV1:`` + Base45(zlib(payload)), all in the QR alphanumeric character set (like the EU digital
COVID certificate's ``HC1:``). The payload is a fixed binary layout, big-endian (README "Offline QR format"):

    offset  size  field
    0       1     format version, 0x01
    1       1     tier: 1 AIDA, 2 CPAP, 3 CPAA, 4 CAI, 5 CAE
    2       16    credential id: the 26-character lowercase base32 id, decoded (RFC 4648 base32, 128 bits)
    18      4     valid from, unsigned seconds since 1970-01-01T00:00:00Z
    22      4     valid until, same
    26      8     key id: the first 8 bytes of SHA-256 over the signing key's raw 32-byte Ed25519 public key
    34      n     subject name, UTF-8 (NFC), 0 to 64 bytes: whatever lies between the key id and the signature
    34+n    64    Ed25519 signature (RFC 8032, pure) over SIGNING_CONTEXT + bytes 0 .. 34+n of this payload

A fixed layout rather than JSON or CBOR: it is the smallest (so the QR has the fewest modules), it signs exact
bytes (no canonicalisation to agree on), and a verifier needs only a byte slicer, zlib, Base45 and Ed25519.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
import zlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec

from verify_api.errors import InvalidInputError, ProofError
from verify_api.proofs.base45 import Base45Error, b45decode, b45encode
from verify_api.proofs.keys import verify_ed25519

if TYPE_CHECKING:
    from collections.abc import Iterable

    from verify_api.proofs.keys import Signer

PREFIX = "PV1:"
VERSION = 1
SIGNING_CONTEXT = b"PAI Verify offline credential v1\x00"  # domain separation: never valid input elsewhere
TIER_CODES = {"AIDA": 1, "CPAP": 2, "CPAA": 3, "CAI": 4, "CAE": 5}
TIER_NAMES = {code: tier for tier, code in TIER_CODES.items()}
MAX_NAME_BYTES = 64
KEY_ID_BYTES = 8
SIGNATURE_BYTES = 64
_HEADER = 34
MAX_PAYLOAD_BYTES = _HEADER + MAX_NAME_BYTES + SIGNATURE_BYTES
MAX_TEXT_CHARS = 1024  # far above any valid payload; longer input is refused before decoding
_ID_BYTES = 16


class OfflinePayloadError(InvalidInputError):
    """The offline QR text is malformed: wrong prefix, not Base45, not zlib, or not the PV1 layout."""


class OfflineCredential(msgspec.Struct, frozen=True):
    """What an offline QR states. Revocation and suspension cannot be known offline; see the page URL."""

    credential_id: str
    tier: str
    subject_name: str
    valid_from: datetime
    valid_until: datetime
    key_id: bytes


def key_id_for(public_key: bytes) -> bytes:
    """The 8-byte key id: SHA-256 over the raw 32-byte Ed25519 public key, truncated."""
    return hashlib.sha256(public_key).digest()[:KEY_ID_BYTES]


def fit_name(name: str) -> str:
    """The name as the payload carries it: NFC, whitespace collapsed, cut to 64 UTF-8 bytes with "…"."""
    name = " ".join(unicodedata.normalize("NFC", name).split())
    if len(name.encode()) <= MAX_NAME_BYTES:
        return name
    budget = MAX_NAME_BYTES - len("…".encode())
    while len(name.encode()) > budget:
        name = name[:-1]
    while name and unicodedata.combining(name[-1]):  # never end on a dangling accent
        name = name[:-1]
    return name.rstrip() + "…"


def _seconds(moment: datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("offline QR datetimes must be timezone-aware")
    value = int(moment.timestamp())
    if not 0 <= value <= 0xFFFFFFFF:
        raise ValueError(f"{moment.isoformat()} does not fit the offline QR's 32-bit seconds")
    return value


def _id_bytes(credential_id: str) -> bytes:
    try:
        raw = base64.b32decode(credential_id.upper() + "======")
    except ValueError:
        raw = b""
    if len(raw) != _ID_BYTES or _id_text(raw) != credential_id:
        raise ValueError(f"{credential_id!r} is not a PAI credential id (26 lowercase base32 characters)")
    return raw


def _id_text(raw: bytes) -> str:
    return base64.b32encode(raw).decode().rstrip("=").lower()


def encode_offline_payload_sync(credential: OfflineCredential, signer: Signer) -> str:
    """Sign `credential` and return the QR text (``PV1:...``). `key_id` must be the signer's."""
    if credential.key_id != key_id_for(signer.public_key):
        raise ValueError("the key id does not belong to the signing key")
    name = credential.subject_name.encode()
    if len(name) > MAX_NAME_BYTES or credential.subject_name != fit_name(credential.subject_name):
        raise ValueError("the subject name must be fitted with fit_name() first")
    body = (
        bytes([VERSION, TIER_CODES[credential.tier]])
        + _id_bytes(credential.credential_id)
        + _seconds(credential.valid_from).to_bytes(4, "big")
        + _seconds(credential.valid_until).to_bytes(4, "big")
        + credential.key_id
        + name
    )
    payload = body + signer.sign(SIGNING_CONTEXT + body)
    return PREFIX + b45encode(zlib.compress(payload, 9))


def _inflate(data: bytes) -> bytes:
    """zlib-decompress, refusing anything that would inflate past the largest valid payload."""
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(data, MAX_PAYLOAD_BYTES + 1)
    except zlib.error:
        raise OfflinePayloadError("the offline QR payload is not zlib data") from None
    if len(payload) > MAX_PAYLOAD_BYTES or inflater.unconsumed_tail:
        raise OfflinePayloadError("the offline QR payload is larger than the format allows")
    if not inflater.eof or inflater.unused_data:
        raise OfflinePayloadError("the offline QR payload is truncated or has trailing data")
    return payload


def parse_offline_payload(text: str) -> tuple[OfflineCredential, bytes, bytes]:
    """Decode the QR text without checking its signature: (claims, signed body, signature)."""
    text = text.strip("\r\n")
    if len(text) > MAX_TEXT_CHARS:
        raise OfflinePayloadError(f"the offline QR text is longer than {MAX_TEXT_CHARS} characters")
    if not text.startswith(PREFIX):
        raise OfflinePayloadError(f"offline QR text starts with {PREFIX!r}")
    try:
        payload = _inflate(b45decode(text[len(PREFIX) :]))
    except Base45Error as exc:
        raise OfflinePayloadError(f"the offline QR text is not Base45: {exc}") from None
    if len(payload) < _HEADER + SIGNATURE_BYTES:
        raise OfflinePayloadError("the offline QR payload is too short")
    body, signature = payload[:-SIGNATURE_BYTES], payload[-SIGNATURE_BYTES:]
    if body[0] != VERSION:
        raise OfflinePayloadError(f"offline QR format version {body[0]} is not supported (expected {VERSION})")
    tier = TIER_NAMES.get(body[1])
    if tier is None:
        raise OfflinePayloadError(f"offline QR tier code {body[1]} is unknown")
    try:
        name = body[_HEADER:].decode("utf-8")
    except UnicodeDecodeError:
        raise OfflinePayloadError("the subject name in the offline QR is not UTF-8") from None
    claims = OfflineCredential(
        credential_id=_id_text(body[2:18]),
        tier=tier,
        subject_name=name,
        valid_from=datetime.fromtimestamp(int.from_bytes(body[18:22], "big"), UTC),
        valid_until=datetime.fromtimestamp(int.from_bytes(body[22:26], "big"), UTC),
        key_id=body[26:_HEADER],
    )
    return claims, body, signature


def verify_offline_payload_sync(text: str, public_keys: Iterable[bytes]) -> OfflineCredential:
    """Decode the QR text and check its signature against the issuer's published keys.

    Raises `OfflinePayloadError` for malformed text and `ProofError` when no published key has its key id
    or the signature does not verify. Validity dates are returned, not judged: the caller knows the time.
    """
    claims, body, signature = parse_offline_payload(text)
    key = next((k for k in public_keys if key_id_for(k) == claims.key_id), None)
    if key is None:
        raise ProofError(f"no published key has the offline QR's key id {claims.key_id.hex()}")
    verify_ed25519(key, signature, SIGNING_CONTEXT + body)
    return claims
