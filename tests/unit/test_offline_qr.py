"""The PV1 offline QR payload: layout, signature, size limits and tamper detection."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import pytest

from verify_api.badges.qr import is_alphanumeric, qr_matrix
from verify_api.domain.codes import new_credential_id
from verify_api.errors import ProofError
from verify_api.proofs.base45 import b45decode, b45encode
from verify_api.proofs.keys import generate_signer, signer_from_seed
from verify_api.proofs.offline_qr import (
    MAX_NAME_BYTES,
    PREFIX,
    SIGNING_CONTEXT,
    OfflineCredential,
    OfflinePayloadError,
    encode_offline_payload_sync,
    fit_name,
    key_id_for,
    parse_offline_payload,
    verify_offline_payload_sync,
)

SIGNER = signer_from_seed(bytes(range(32)))
OTHER = generate_signer()


def claims(**overrides: object) -> OfflineCredential:
    fields: dict[str, object] = {
        "credential_id": "abcdefghijklmnopqrstuvwxyq",
        "tier": "AIDA",
        "subject_name": "Ada Lovelace",
        "valid_from": datetime(2026, 11, 27, 9, 0, tzinfo=UTC),
        "valid_until": datetime(2028, 11, 26, 9, 0, tzinfo=UTC),
        "key_id": key_id_for(SIGNER.public_key),
    } | overrides
    return OfflineCredential(**fields)  # type: ignore[arg-type]


def payload_of(text: str) -> bytes:
    return zlib.decompress(b45decode(text.removeprefix(PREFIX)))


def rewrap(payload: bytes) -> str:
    return PREFIX + b45encode(zlib.compress(payload))


def test_offline_qr_round_trips_with_the_published_key() -> None:
    original = claims(credential_id=new_credential_id(), tier="CAE", subject_name="Zoë Ørsted-Åberg")
    text = encode_offline_payload_sync(original, SIGNER)
    assert text.startswith("PV1:")
    assert verify_offline_payload_sync(text, [OTHER.public_key, SIGNER.public_key]) == original


def test_offline_qr_text_uses_only_qr_alphanumeric_characters() -> None:
    text = encode_offline_payload_sync(claims(), SIGNER)
    assert is_alphanumeric(text)
    assert len(qr_matrix(text)) <= 53  # version 9 or smaller at level M


def test_offline_qr_layout_is_the_documented_one() -> None:
    payload = payload_of(encode_offline_payload_sync(claims(), SIGNER))
    assert payload[0] == 1
    assert payload[1] == 1  # AIDA
    assert payload[2:18] == bytes.fromhex("00443214c74254b635cf84653a56d7c4")  # base32 "abcd...xyq" decoded
    assert int.from_bytes(payload[18:22], "big") == 1795770000  # 2026-11-27T09:00:00Z
    assert int.from_bytes(payload[22:26], "big") == 1858842000  # 2028-11-26T09:00:00Z
    assert payload[26:34] == key_id_for(SIGNER.public_key)
    assert payload[34:-64] == b"Ada Lovelace"
    # the signature covers the context string and everything before it, with pure Ed25519
    assert payload[-64:] == SIGNER.sign(SIGNING_CONTEXT + payload[:-64])


def test_offline_qr_is_deterministic() -> None:
    assert encode_offline_payload_sync(claims(), SIGNER) == encode_offline_payload_sync(claims(), SIGNER)


@pytest.mark.parametrize("offset", [1, 5, 20, 30, 36, -1])
def test_offline_qr_any_altered_byte_fails(offset: int) -> None:
    payload = bytearray(payload_of(encode_offline_payload_sync(claims(), SIGNER)))
    payload[offset] ^= 0x01
    with pytest.raises((ProofError, OfflinePayloadError), match=r"signature does not verify|tier code|key id"):
        verify_offline_payload_sync(rewrap(bytes(payload)), [SIGNER.public_key])


def test_offline_qr_changed_name_fails() -> None:
    payload = payload_of(encode_offline_payload_sync(claims(), SIGNER))
    forged = payload[:34] + b"Eve Lovelace" + payload[-64:]
    with pytest.raises(ProofError, match="signature does not verify"):
        verify_offline_payload_sync(rewrap(forged), [SIGNER.public_key])


def test_offline_qr_signed_by_an_unpublished_key_fails() -> None:
    text = encode_offline_payload_sync(claims(key_id=key_id_for(OTHER.public_key)), OTHER)
    with pytest.raises(ProofError, match="no published key"):
        verify_offline_payload_sync(text, [SIGNER.public_key])


def test_offline_qr_key_id_must_match_signer() -> None:
    with pytest.raises(ValueError, match="key id does not belong"):
        encode_offline_payload_sync(claims(key_id=b"\x00" * 8), SIGNER)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("HC1:NCFOXN%TS3DH", "starts with 'PV1:'"),
        ("PV1:bb8", "not Base45"),
        ("PV1:" + b45encode(b"not zlib at all"), "not zlib"),
        ("PV1:" + b45encode(zlib.compress(b"\x01\x01short")), "too short"),
        ("PV1:" + b45encode(zlib.compress(b"\x00" * 5000)), "larger than the format allows"),
        ("PV1:" + b45encode(zlib.compress(b"\x02" + b"\x01" * 120)), "version 2 is not supported"),
        ("PV1:" + b45encode(zlib.compress(b"\x01\x09" + b"\x01" * 120)), "tier code 9"),
        ("PV1:" + b45encode(zlib.compress(b"\x01\x01" + b"\x01" * 120)[:-3]), "truncated"),
        ("PV1:" + "A" * 2000, "longer than 1024"),
    ],
)
def test_offline_qr_malformed_text_is_refused(text: str, message: str) -> None:
    with pytest.raises(OfflinePayloadError, match=message):
        parse_offline_payload(text)


def test_offline_qr_names_are_fitted_to_64_bytes() -> None:
    assert fit_name("  Ada \n Lovelace ") == "Ada Lovelace"
    long = fit_name("Å" * 100)
    assert long.endswith("…")
    assert len(long.encode()) <= MAX_NAME_BYTES
    with pytest.raises(ValueError, match="fit_name"):
        encode_offline_payload_sync(claims(subject_name="x" * 65), SIGNER)
    text = encode_offline_payload_sync(claims(subject_name=long), SIGNER)
    assert verify_offline_payload_sync(text, [SIGNER.public_key]).subject_name == long


def test_offline_qr_refuses_naive_or_out_of_range_dates() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        encode_offline_payload_sync(claims(valid_from=datetime(2026, 1, 1)), SIGNER)  # noqa: DTZ001
    with pytest.raises(ValueError, match="32-bit"):
        encode_offline_payload_sync(claims(valid_until=datetime(2107, 1, 1, tzinfo=UTC)), SIGNER)


def test_offline_qr_refuses_a_malformed_credential_id() -> None:
    with pytest.raises(ValueError, match="not a PAI credential id"):
        encode_offline_payload_sync(claims(credential_id="ABC"), SIGNER)
