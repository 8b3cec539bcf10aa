"""Hostile JSON-LD costs bounded time and fails as a ProofError: poison graphs (RDFC-1.0 §7), pyld's own failures,
node counts before canonicalisation, canonicalisation from several threads at once, and proof chains whose proofs
are signed by different keys."""

from __future__ import annotations

import copy
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from verify_api.errors import CanonicalizationLimitError, InvalidCredentialError, ProofError
from verify_api.proofs.canonical import canonicalize_rdfc
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import Signer, did_key_for, did_key_verification_method, generate_signer
from verify_api.verification.assessment import build_report
from verify_api.verification.document import MAX_BLANK_NODES, MAX_VALUES, check_structure_limits, read_credential_shape
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presented import decode_credential_object
from verify_api.verification.securing import check_securing_sync

V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def credential(**subject: Any) -> dict[str, Any]:
    return {
        "@context": [V2, EXAMPLES],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": {"id": "did:example:subject", **subject},
    }


def complete_graph(size: int) -> dict[str, Any]:
    """Blank nodes that all look alike at first degree: every one knows every other (1.6 KB for 8)."""
    nodes: list[dict[str, Any]] = [{"id": f"_:b{i}"} for i in range(size)]
    for index, node in enumerate(nodes):
        node["knows"] = [{"id": f"_:b{j}"} for j in range(size) if j != index]
    return credential(graph=nodes)


POISON = {
    "complete graph of 8 blank nodes": complete_graph(8),
    "complete graph of 20 blank nodes": complete_graph(20),
    "list of 300 identical strings": credential(values={"@list": ["same"] * 300}),
}


@pytest.mark.parametrize("name", sorted(POISON))
def test_rdfc_poison_graph_is_refused_fast(name: str) -> None:
    started = time.monotonic()
    with pytest.raises(CanonicalizationLimitError, match=r"N-degree hashing \(RDFC-1.0 §4.8\)"):
        canonicalize_rdfc(POISON[name])
    assert time.monotonic() - started < 0.5


def test_rdfc_small_list_of_identical_values_still_canonicalises() -> None:
    nquads = canonicalize_rdfc(credential(values={"@list": ["same"] * 10}))
    assert nquads.count('<http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "same"') == 10


def test_rdfc_poison_graph_through_the_verifier_is_a_failed_proof() -> None:
    signer = generate_signer()
    document = POISON["complete graph of 8 blank nodes"] | {"issuer": did_key_for(signer.public_key)}
    signed = add_proof(
        credential(),
        signer,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_verification_method(signer.public_key),
        created="2026-01-01T00:00:00Z",
    )
    document["proof"] = signed["proof"]
    started = time.monotonic()
    outcome = check_securing_sync(decode_credential_object(document), KeyRing("did:web:pai.example", []), now=NOW)
    assert time.monotonic() - started < 0.5
    assert outcome.check.result == "failed"
    assert "poison graph" in outcome.check.detail


HOSTILE_CONTEXTS: dict[str, tuple[Any, Any]] = {
    "@vocab null": ({"@vocab": None}, "x"),
    "@type container map": ({"m": {"@id": "https://ex.example/m", "@container": "@type"}}, {"Foo": 5}),
    "@type container map of values": (
        {"m": {"@id": "https://ex.example/m", "@container": "@type"}},
        {"Foo": {"@value": "x"}},
    ),
    "huge integer": ({"m": "https://ex.example/m"}, 10**400),
    "@vocab number": ({"@vocab": 5}, "x"),
    "@container not a keyword": ({"m": {"@id": "https://ex.example/m", "@container": "@bogus"}}, "x"),
    "@import of an unbundled context": ({"@import": "https://nope.example/"}, "x"),
    "@id a number": ({"m": {"@id": 5}}, "x"),
    "context a number": (5, "x"),
    "@reverse a number": ({"m": {"@reverse": 5}}, "x"),
    "@version a string": ({"@version": "x"}, "x"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE_CONTEXTS))
def test_rdfc_hostile_context_fails_as_proof_error(name: str) -> None:
    context, value = HOSTILE_CONTEXTS[name]
    document = credential(m=value) | {"@context": [V2, context]}
    with pytest.raises(ProofError):
        canonicalize_rdfc(document)


def test_rdfc_from_several_threads_gives_the_same_result() -> None:
    """The context caches are per thread (no lock): concurrent canonicalisations must not disturb each other."""
    documents = [credential(name=f"subject {i}") for i in range(32)]
    expected = [canonicalize_rdfc(copy.deepcopy(d)) for d in documents]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda d: canonicalize_rdfc(copy.deepcopy(d)), documents * 4))
    assert results == expected * 4


def test_rdfc_honest_document_is_not_delayed_by_poison_in_another_thread() -> None:
    """With the old process-wide lock an honest canonicalisation waited for the poison one to finish."""
    honest = credential(name="Ada")
    canonicalize_rdfc(honest)
    with ThreadPoolExecutor(max_workers=5) as pool:
        poison = [pool.submit(canonicalize_rdfc, POISON["list of 300 identical strings"]) for _ in range(4)]
        started = time.monotonic()
        pool.submit(canonicalize_rdfc, honest).result()
        elapsed = time.monotonic() - started
        for future in poison:
            with pytest.raises(CanonicalizationLimitError):
                future.result()
    assert elapsed < 0.5


def test_structure_limits_count_list_items_and_literals() -> None:
    check_structure_limits(credential(values=["x"] * 100))
    with pytest.raises(InvalidCredentialError, match=f"more than {MAX_VALUES} values"):
        check_structure_limits(credential(values=["x"] * MAX_VALUES))


def test_structure_limits_count_blank_nodes() -> None:
    with pytest.raises(InvalidCredentialError, match=f"more than {MAX_BLANK_NODES} blank nodes"):
        check_structure_limits(credential(values={"@list": ["same"] * (MAX_BLANK_NODES + 1)}))
    with pytest.raises(InvalidCredentialError, match="blank nodes"):
        check_structure_limits(credential(items=[{"name": str(i)} for i in range(MAX_BLANK_NODES + 1)]))
    check_structure_limits(credential(items=[{"id": f"urn:x:{i}"} for i in range(MAX_BLANK_NODES + 1)]))


# --- proof chains: one proof must be the issuer's, whichever position it has ----------------------------------


def chained(first: Signer, second: Signer, issuer: Signer) -> dict[str, Any]:
    unsigned = credential() | {"issuer": did_key_for(issuer.public_key)}
    document = add_proof(
        unsigned,
        first,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_verification_method(first.public_key),
        created="2026-01-01T00:00:00Z",
        proof_id="urn:uuid:proof-1",
    )
    return add_proof(
        document,
        second,
        cryptosuite="eddsa-rdfc-2022",
        verification_method=did_key_verification_method(second.public_key),
        created="2026-01-01T00:00:00Z",
        proof_id="urn:uuid:proof-2",
        previous_proof="urn:uuid:proof-1",
    )


def _issuer_check(document: dict[str, Any]) -> tuple[str, str, bool]:
    outcome = check_securing_sync(decode_credential_object(document), KeyRing("did:web:pai.example", []), now=NOW)
    assert outcome.check.result == "passed"
    assert len(outcome.keys) == 2
    report = build_report(
        decode_credential_object(document),
        read_credential_shape(document),
        outcome,
        pai_did="did:web:pai.example",
        now=NOW,
        register=None,
    )
    issuer = next(check for check in report.checks if check.name == "issuer")
    return issuer.result, issuer.detail, report.verified


@pytest.mark.parametrize("issuer_signer_first", [True, False])
def test_proof_chain_issuer_check_finds_the_issuers_proof_in_any_position(issuer_signer_first: bool) -> None:
    """A notary's (or any second party's) proof in a chain does not unbind the issuer, in either order: the W3C DI
    suite's previousProof test chains two signers. The issuer's own proof is the one the binding judges."""
    issuer, other = generate_signer(), generate_signer()
    first, second = (issuer, other) if issuer_signer_first else (other, issuer)
    result, _detail, verified = _issuer_check(chained(first, second, issuer))
    assert (result, verified) == ("passed", True)


def test_proof_chain_with_no_proof_by_the_issuer_fails_the_binding() -> None:
    issuer, one, two = generate_signer(), generate_signer(), generate_signer()
    result, detail, verified = _issuer_check(chained(one, two, issuer))
    assert (result, verified) == ("failed", False)
    assert "not to the issuer" in detail


def test_structure_limits_refuse_blank_node_identifiers() -> None:
    """VC 2.0 §4.4 ids are URLs; `_:` ids tie blank nodes into poison cycles, so they are refused before RDFC."""
    with pytest.raises(InvalidCredentialError, match="is a blank node identifier, not a URL"):
        check_structure_limits(complete_graph(8))
