"""The bulk signing pool's per-document check (services/signing_pool.py): what the cheap check catches, and that the
full check of the sampled documents (the stored-proof check and pyld alone) agrees with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from verify_api.domain.credential import CredentialDraft, StatusSlot
from verify_api.proofs.keys import WitnessedSigner, generate_signer
from verify_api.services.context import IssuerKey
from verify_api.services.signing_pool import (
    SignTask,
    check_against_pyld_sync,
    check_signed_bytes_sync,
    same_json,
    sign_draft_sync,
)
from verify_api.services.stored_proofs import check_stored_proof_sync

BASE_URL = "https://verify.example.org"
NOW = datetime(2026, 12, 1, 22, 0, tzinfo=UTC)


def make_task(name: str = "Ada Lovelace", suite: str = "eddsa-rdfc-2022") -> SignTask:
    draft = CredentialDraft(
        credential_id="abcdefghijklmnopqrstuvwxyz",
        tier="AIDA",
        subject_name=name,
        valid_from=NOW,
        valid_until=NOW + timedelta(days=730),
        evidence=[],
        status_slots=[StatusSlot("revocation", "revlist", 17), StatusSlot("suspension", "suslist", 23)],
    )
    return SignTask(draft, suite, NOW)


@pytest.fixture(scope="module")
def key() -> IssuerKey:
    signer = generate_signer()
    return IssuerKey(WitnessedSigner(signer), f"did:web:verify.example.org#{signer.public_key_multibase}")


def signed(key: IssuerKey, task: SignTask) -> tuple[bytes, dict[str, object], tuple[bytes, bytes]]:
    assert isinstance(key.signer, WitnessedSigner)
    document = sign_draft_sync(task, key, BASE_URL, "PAI", full_check=False)
    assert key.signer.last_signed is not None
    return document, msgspec.json.decode(document), key.signer.last_signed


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_cheaply_checked_document_passes_the_stored_proof_check(key: IssuerKey, suite: str) -> None:
    document, _, message = signed(key, make_task(suite=suite))
    check = check_stored_proof_sync(
        document, signing_key_id=key.verification_method, key_multibase=key.signer.public_key_multibase
    )
    assert check.result == "passed", check.detail
    assert check_against_pyld_sync(document, message[0]) is None
    # The full check on top gives the same bytes' verdict.
    assert sign_draft_sync(make_task(suite=suite), key, BASE_URL, "PAI", full_check=True)


def test_cheap_check_refuses_bytes_that_are_not_what_was_signed(key: IssuerKey) -> None:
    document, value, last = signed(key, make_task())
    multibase = key.signer.public_key_multibase
    assert check_signed_bytes_sync(document, value, last, multibase) is None
    renamed = document.replace(b"Ada Lovelace", b"Ada Lovelacf")
    assert "do not decode to the document" in str(check_signed_bytes_sync(renamed, value, last, multibase))
    # A value of another JSON type is another RDF literal, though Python calls the two equal.
    retyped = document.replace(b'"hashed":false', b'"hashed":0')
    assert retyped != document
    assert "do not decode" in str(check_signed_bytes_sync(retyped, value, last, multibase))
    other = generate_signer().public_key_multibase
    assert "does not verify with the published key" in str(check_signed_bytes_sync(document, value, last, other))
    _, _, later = signed(key, make_task("Grace Hopper"))
    assert "not the signature the signer gave" in str(check_signed_bytes_sync(document, value, later, multibase))
    assert "does not verify" in str(check_signed_bytes_sync(document, value, (later[0], last[1]), multibase))


def test_pyld_check_refuses_a_message_the_document_does_not_hash_to(key: IssuerKey) -> None:
    document, _, _ = signed(key, make_task())
    _, _, other = signed(key, make_task("Grace Hopper"))
    assert "differs" in str(check_against_pyld_sync(document, other[0]))


def test_same_json_tells_types_and_key_order_apart() -> None:
    assert same_json({"a": [1, "x", None, True]}, {"a": [1, "x", None, True]})
    assert not same_json({"a": 1}, {"a": 1.0})
    assert not same_json({"a": True}, {"a": 1})
    assert not same_json({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same_json([1, 2], [1, 2, 3])


def test_documents_signed_in_turn_with_other_proof_options_each_verify(key: IssuerKey) -> None:
    # Signing keeps canonical proof configurations for the next document (proofs/eddsa.py): one of another time,
    # key id or context must not be given the kept one.
    other = IssuerKey(key.signer, key.verification_method.replace("verify.example.org", "other.example.org"))
    for signing_key, created in ((key, NOW), (key, NOW + timedelta(seconds=1)), (other, NOW), (key, NOW)):
        task = SignTask(make_task().draft, "eddsa-rdfc-2022", created)
        document = sign_draft_sync(task, signing_key, BASE_URL, "PAI", full_check=False)
        check = check_stored_proof_sync(
            document, signing_key_id=signing_key.verification_method, key_multibase=key.signer.public_key_multibase
        )
        assert check.result == "passed", check.detail
