"""verify_proof accepts the signed vectors and Open Badges samples, and says why it rejects the rest."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from verify_api.errors import ProofError, UnknownContextError
from verify_api.proofs.data_integrity import (
    SIGNING_CRYPTOSUITES,
    VerifiedProof,
    add_proof,
    verify_proof,
    verify_proofs,
)
from verify_api.proofs.keys import (
    decode_multikey,
    did_key_verification_method,
    generate_signer,
    resolve_did_key,
)

VECTORS = Path(__file__).parent.parent / "vectors"
SIGNED = {
    "eddsa-rdfc-2022": "eddsa/eddsa-rdfc-2022/signedDataInt.json",
    "eddsa-jcs-2022": "eddsa/eddsa-jcs-2022/signedJCS.json",
    "Ed25519Signature2020": "eddsa/Ed25519Signature2020/signedEdSig.json",
}
VECTOR_KEY = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
VECTOR_METHOD = f"did:key:{VECTOR_KEY}#{VECTOR_KEY}"
# Open Badges 3.0 samples (1EdTech validator, see tests/vectors/ob3/PROVENANCE.md) that verify offline.
OB3_VERIFIABLE = [
    "simple.json",
    "simple-context-alias.json",
    "simple-context-version.json",
    "simple-did-key-method.json",
    "endorsement-valid.json",
    "bit-string-list/testlist.json",
]
# The samples whose proofs are not eddsa-rdfc-2022: the suite each names (legacy name, legacy proof type).
OB3_LEGACY = {"simple-eddsa-2022.json": "eddsa-2022", "simple_v1.json": "Ed25519Signature2020"}


def load(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / relative).read_text(encoding="utf-8"))
    return data


def resolve_key_in_fragment(verification_method: str) -> bytes:
    """The OB 3.0 samples name their key by a Multikey fragment (or are did:key); no network is used."""
    if verification_method.startswith("did:key:"):
        return resolve_did_key(verification_method)
    return decode_multikey(verification_method.rpartition("#")[2])


@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_accepts_signed_vector(suite: str) -> None:
    verified = verify_proof(load(SIGNED[suite]), resolve_did_key)
    assert verified == VerifiedProof(
        proof_type="Ed25519Signature2020" if suite == "Ed25519Signature2020" else "DataIntegrityProof",
        cryptosuite=suite,
        verification_method=VECTOR_METHOD,
        proof_purpose="assertionMethod",
        created="2023-02-24T23:36:38Z",
        proof_id=None,
    )


@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_accepts_proof_in_a_list(suite: str) -> None:
    document = load(SIGNED[suite])
    document["proof"] = [document["proof"]]
    assert verify_proof(document, resolve_did_key).cryptosuite == suite


@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_rejects_changed_claim(suite: str) -> None:
    document = load(SIGNED[suite])
    document["credentialSubject"]["alumniOf"] = "The School of Forgery"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(document, resolve_did_key)


@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_rejects_changed_created(suite: str) -> None:
    document = load(SIGNED[suite])
    document["proof"]["created"] = "2023-02-24T23:36:39Z"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(document, resolve_did_key)


@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_rejects_wrong_key(suite: str) -> None:
    other = generate_signer().public_key
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(load(SIGNED[suite]), lambda _method: other)


@pytest.mark.parametrize(
    ("suite", "swapped"), [("eddsa-rdfc-2022", "eddsa-jcs-2022"), ("eddsa-jcs-2022", "eddsa-rdfc-2022")]
)
def test_verify_proof_rejects_swapped_cryptosuite(suite: str, swapped: str) -> None:
    document = load(SIGNED[suite])
    document["proof"]["cryptosuite"] = swapped
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(document, resolve_did_key)


@pytest.mark.parametrize(
    ("proof_value", "message"),
    [
        ("z2YwC8z3ap7yx1nZ0CS", "invalid base58btc character '0'"),
        ("u2YwC8z3ap7yx1nZYCg", "must use base58btc"),
        ("z2YwC8z3ap7yx1nZYCg", "must be 64 bytes"),
        (12345, "proof proofValue must be a string"),
    ],
)
@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_rejects_bad_proof_value(suite: str, proof_value: object, message: str) -> None:
    document = load(SIGNED[suite])
    document["proof"]["proofValue"] = proof_value
    with pytest.raises(ProofError, match=message):
        verify_proof(document, resolve_did_key)


@pytest.mark.parametrize("suite", SIGNED)
@pytest.mark.parametrize("member", ["proofPurpose", "verificationMethod", "proofValue", "type"])
def test_verify_proof_rejects_missing_member(suite: str, member: str) -> None:
    document = load(SIGNED[suite])
    del document["proof"][member]
    with pytest.raises(ProofError, match=f"^proof has no {member}$"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_rejects_missing_cryptosuite() -> None:
    document = load(SIGNED["eddsa-rdfc-2022"])
    del document["proof"]["cryptosuite"]
    with pytest.raises(ProofError, match=r"^proof has no cryptosuite$"):
        verify_proof(document, resolve_did_key)


@pytest.mark.parametrize("suite", SIGNED)
def test_verify_proof_rejects_unexpected_proof_purpose(suite: str) -> None:
    with pytest.raises(ProofError, match="proofPurpose is 'assertionMethod', expected 'authentication'"):
        verify_proof(load(SIGNED[suite]), resolve_did_key, expected_proof_purpose="authentication")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "Ed25519Signature2020"])
def test_verify_proof_names_unknown_context_url(suite: str) -> None:
    document = load(SIGNED[suite])
    document["@context"].append("https://contexts.example/unlisted/v1")
    with pytest.raises(UnknownContextError, match=re.escape("'https://contexts.example/unlisted/v1' is not bundled")):
        verify_proof(document, resolve_did_key)


def test_verify_proof_accepts_employment_vector_with_bundled_citizenship_context() -> None:
    # https://w3id.org/citizenship/v4rc1 is bundled (for the ecdsa-sd-2023 vectors); this eddsa vector names it too
    document = load("eddsa/eddsa-rdfc-2022/employ/signedDataInt.json")
    assert verify_proof(document, resolve_did_key).cryptosuite == "eddsa-rdfc-2022"
    document["credentialSubject"]["id"] = "did:example:someone-else"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_rejects_proof_context_mismatch() -> None:
    document = load(SIGNED["eddsa-jcs-2022"])
    document["proof"]["@context"] = list(reversed(document["proof"]["@context"]))
    with pytest.raises(ProofError, match="proof @context does not match the start of the document's @context"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_jcs_allows_context_appended_after_signing() -> None:
    # vc-di-eddsa Verify Proof step 4: only the proof's @context prefix is signed (for proof sets/chains).
    document = load(SIGNED["eddsa-jcs-2022"])
    document["@context"].append("https://w3id.org/security/data-integrity/v2")
    assert verify_proof(document, resolve_did_key).cryptosuite == "eddsa-jcs-2022"


def test_verify_proof_rejects_missing_proof() -> None:
    document = load(SIGNED["eddsa-rdfc-2022"])
    del document["proof"]
    with pytest.raises(ProofError, match=r"^document has no proof$"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_rejects_empty_proof_list() -> None:
    document = load(SIGNED["eddsa-rdfc-2022"]) | {"proof": []}
    with pytest.raises(ProofError, match="the proof list is empty"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_rejects_unsupported_proof_type() -> None:
    document = load(SIGNED["eddsa-rdfc-2022"])
    document["proof"]["type"] = "JsonWebSignature2020"
    with pytest.raises(ProofError, match="unsupported proof type 'JsonWebSignature2020'"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_names_unsupported_cryptosuite() -> None:
    document = load("ob3/simple-eddsa-2022.json")
    document["proof"][0]["cryptosuite"] = "bbs-2023"
    with pytest.raises(
        ProofError, match=r"unsupported cryptosuite 'bbs-2023'; supported: eddsa-rdfc-2022, .*ecdsa-rdfc"
    ):
        verify_proof(document, resolve_key_in_fragment)


def test_verify_proof_rejects_created_without_time_zone() -> None:
    document = load(SIGNED["eddsa-rdfc-2022"])
    document["proof"]["created"] = "2023-02-24T23:36:38"
    with pytest.raises(ProofError, match="not an XML Schema dateTimeStamp"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_legacy_suite_requires_suite_context() -> None:
    document = load(SIGNED["Ed25519Signature2020"])
    document["@context"].pop()
    with pytest.raises(ProofError, match="requires the document @context to include"):
        verify_proof(document, resolve_did_key)


def test_verify_proof_passes_resolver_error_through() -> None:
    def refuse(method: str) -> bytes:
        raise ProofError(f"cannot resolve {method}")

    with pytest.raises(ProofError, match="cannot resolve did:key:z6Mkr"):
        verify_proof(load(SIGNED["eddsa-rdfc-2022"]), refuse)


# --- proof sets and chains -----------------------------------------------------------------------


def test_verify_proofs_rejects_tampered_member_of_proof_set() -> None:
    document = load("eddsa/proof-set-chain/signedProofSet2.json")
    document["proof"][1]["created"] = "2024-01-01T00:00:00Z"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proofs(document, resolve_did_key)


def test_verify_proofs_rejects_chain_with_missing_previous_proof() -> None:
    document = load("eddsa/proof-set-chain/signedProofChain2.json")
    del document["proof"][0]
    with pytest.raises(ProofError, match=r"previousProof 'urn:uuid:26329423-.*' does not match the id of any proof"):
        verify_proofs(document, resolve_did_key)


def test_verify_proof_returns_first_of_a_proof_set() -> None:
    verified = verify_proof(load("eddsa/proof-set-chain/signedProofSet2.json"), resolve_did_key)
    assert verified.proof_id == "urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544"


# --- Open Badges 3.0 samples ----------------------------------------------------------------------


@pytest.mark.parametrize("name", OB3_VERIFIABLE)
def test_verify_proof_accepts_open_badges_sample(name: str) -> None:
    verified = verify_proof(load(f"ob3/{name}"), resolve_key_in_fragment)
    assert verified.cryptosuite == "eddsa-rdfc-2022"


@pytest.mark.parametrize("name", OB3_VERIFIABLE)
def test_verify_proof_rejects_tampered_open_badges_sample(name: str) -> None:
    document = load(f"ob3/{name}")
    document["issuer"] = "https://forger.example/issuer"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(document, resolve_key_in_fragment)


@pytest.mark.parametrize(("name", "suite"), sorted(OB3_LEGACY.items()))
def test_verify_proof_accepts_legacy_open_badges_sample(name: str, suite: str) -> None:
    # simple_v1.json names the unversioned OB 3.0 context, bundled as ob-v3p0-context.json
    assert verify_proof(load(f"ob3/{name}"), resolve_key_in_fragment).cryptosuite == suite


@pytest.mark.parametrize("name", sorted(OB3_LEGACY))
def test_verify_proof_rejects_tampered_legacy_open_badges_sample(name: str) -> None:
    document = load(f"ob3/{name}")
    document["credentialSubject"]["id"] = "did:example:someone-else"
    with pytest.raises(ProofError, match=r"^signature does not verify$"):
        verify_proof(document, resolve_key_in_fragment)


def test_verify_proof_names_unbundled_context() -> None:
    document = load("ob3/simple_v1.json")
    document["@context"][1] = "https://purl.imsglobal.org/spec/ob/v3p0/context-9.9.9.json"
    with pytest.raises(
        UnknownContextError, match=re.escape("https://purl.imsglobal.org/spec/ob/v3p0/context-9.9.9.json")
    ):
        verify_proof(document, resolve_key_in_fragment)


# --- add_proof ----------------------------------------------------------------------------------


def credential() -> dict[str, Any]:
    return load("eddsa/unsigned.json")


@pytest.mark.parametrize("cryptosuite", SIGNING_CRYPTOSUITES)
def test_add_proof_round_trips_with_options(cryptosuite: str) -> None:
    signer = generate_signer()
    method = did_key_verification_method(signer.public_key)
    secured = add_proof(
        credential(),
        signer,
        cryptosuite=cryptosuite,
        verification_method=method,
        created=datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=2))),
        proof_purpose="authentication",
        challenge="c-123",
        domain="verify.example",
        expires=datetime(2026, 1, 1, tzinfo=UTC),
    )
    assert secured["proof"]["created"] == "2025-01-02T01:04:05Z"
    assert secured["proof"]["expires"] == "2026-01-01T00:00:00Z"
    verified = verify_proof(
        secured,
        resolve_did_key,
        expected_proof_purpose="authentication",
        expected_domain="verify.example",
        expected_challenge="c-123",
    )
    assert (verified.cryptosuite, verified.proof_purpose) == (cryptosuite, "authentication")
    with pytest.raises(ProofError, match="does not match the expected domain"):
        verify_proof(secured, resolve_did_key, expected_proof_purpose=None, expected_domain="other.example")
    with pytest.raises(ProofError, match="challenge does not match"):
        verify_proof(secured, resolve_did_key, expected_proof_purpose=None, expected_challenge="c-999")


def test_add_proof_rejects_naive_created() -> None:
    with pytest.raises(ProofError, match="timezone-aware"):
        add_proof(
            credential(),
            generate_signer(),
            cryptosuite="eddsa-rdfc-2022",
            verification_method="did:example:1#k",
            created=datetime(2025, 1, 1),  # noqa: DTZ001 - the naive datetime is the point of the test
        )


def test_add_proof_rejects_created_string_without_time_zone() -> None:
    with pytest.raises(ProofError, match="not an XML Schema dateTimeStamp"):
        add_proof(
            credential(),
            generate_signer(),
            cryptosuite="eddsa-jcs-2022",
            verification_method="did:example:1#k",
            created="2025-01-01 00:00:00",
        )


def test_add_proof_names_unsupported_cryptosuite() -> None:
    with pytest.raises(ProofError, match="unsupported cryptosuite 'ecdsa-rdfc-2019'"):
        add_proof(
            credential(),
            generate_signer(),
            cryptosuite="ecdsa-rdfc-2019",
            verification_method="did:example:1#k",
            created="2025-01-01T00:00:00Z",
        )


def test_add_proof_refuses_to_sign_undefined_property() -> None:
    document = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "tier": "x",
    }
    with pytest.raises(ProofError, match="property 'tier' is not defined by any @context"):
        add_proof(
            document,
            generate_signer(),
            cryptosuite="eddsa-rdfc-2022",
            verification_method="did:example:1#k",
            created="2025-01-01T00:00:00Z",
        )


def test_add_proof_appends_to_existing_proof() -> None:
    first, second = generate_signer(), generate_signer()
    secured = credential()
    for signer in (first, second):
        secured = add_proof(
            secured,
            signer,
            cryptosuite="eddsa-jcs-2022",
            verification_method=did_key_verification_method(signer.public_key),
            created="2025-01-01T00:00:00Z",
        )
    before = copy.deepcopy(secured)
    assert [p.verification_method for p in verify_proofs(secured, resolve_did_key)] == [
        did_key_verification_method(first.public_key),
        did_key_verification_method(second.public_key),
    ]
    assert secured == before
