"""The JSON the checks read is the data that was signed (VC 2.0 compacted form, VC Data Integrity §2.4.1).

eddsa-rdfc-2022 signs RDF: each rewrite below keeps the RDF (so the signature stays valid) while moving a claim
where a JSON reader does not look. The property test draws sequences of such rewrites and asserts that none is
accepted with a meaning other than the original's.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify_api.errors import InvalidCredentialError, SignedClaimsError, VerifyApiError
from verify_api.problem_types import DATA_LOSS_DETECTION_ERROR
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import Signer, did_key_for, did_key_verification_method, generate_signer
from verify_api.verification.document import read_credential_shape
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presented import decode_credential_object
from verify_api.verification.securing import SecuringOutcome, check_securing_sync
from verify_api.verification.signed_claims import check_signed_claims

V2 = "https://www.w3.org/ns/credentials/v2"
CRED = "https://www.w3.org/2018/credentials#"
XSD_DATE_TIME = "http://www.w3.org/2001/XMLSchema#dateTime"
NOW = datetime(2026, 3, 1, tzinfo=UTC)
SIGNER = generate_signer()
DATES = ("validFrom", "validUntil")
NODES = ("issuer", "credentialStatus", "credentialSubject")


def unsigned() -> dict[str, Any]:
    return {
        "@context": [V2],
        "id": "urn:uuid:7d0c6f2a-1b1e-4a4e-9b55-4b0c9d2b3f10",
        "type": ["VerifiableCredential"],
        "issuer": did_key_for(SIGNER.public_key),
        "validFrom": "2026-01-01T00:00:00Z",
        "validUntil": "2026-06-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
        "credentialStatus": {
            "id": "https://status.example/lists/1#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": "5",
            "statusListCredential": "https://status.example/lists/1",
        },
    }


def sign(document: dict[str, Any], suite: str = "eddsa-rdfc-2022", signer: Signer = SIGNER) -> dict[str, Any]:
    return add_proof(
        document,
        signer,
        cryptosuite=suite,
        verification_method=did_key_verification_method(signer.public_key),
        created="2026-01-01T00:00:00Z",
    )


SIGNED = {suite: sign(unsigned(), suite) for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022")}


def secure(document: dict[str, Any]) -> SecuringOutcome:
    return check_securing_sync(decode_credential_object(document), KeyRing("did:web:pai.example", []), now=NOW)


# --- RDF-equivalent rewrites (each keeps the eddsa-rdfc-2022 signature valid) --------------------------------


def full_iri_value(member: str, value: Any) -> Any:
    """The value as it must be written under the member's IRI, where the context no longer types it."""
    if member in DATES:
        return {"@value": value, "@type": XSD_DATE_TIME}
    if member == "issuer" and isinstance(value, str):
        return {"@id": value}
    return value


def rename(document: dict[str, Any], old: str, new: str, value: Any) -> None:
    items = list(document.items())
    document.clear()
    document.update((new, value) if key == old else (key, item) for key, item in items)


def append_context(document: dict[str, Any], definitions: dict[str, Any]) -> None:
    document["@context"] = [*document["@context"], definitions]


def keyword_for_alias(document: dict[str, Any], where: str, alias: str) -> None:
    node = document if where == "$" else document.get(where)
    if isinstance(node, dict) and alias in node:
        rename(node, alias, f"@{alias}", node[alias])


def full_iri(document: dict[str, Any], member: str) -> None:
    if member in document:
        rename(document, member, CRED + member, full_iri_value(member, document[member]))


def compact_iri(document: dict[str, Any], member: str) -> None:
    if member in document:
        append_context(document, {"cred": CRED})
        rename(document, member, f"cred:{member}", full_iri_value(member, document[member]))


def term_alias(document: dict[str, Any], member: str) -> None:
    if member in document:
        kind = XSD_DATE_TIME if member in DATES else "@id"
        append_context(document, {f"x{member}": {"@id": CRED + member, "@type": kind}})
        rename(document, member, f"x{member}", document[member])


def keyword_alias(document: dict[str, Any], _member: str) -> None:
    if "id" in document:
        append_context(document, {"identifier0": "@id"})
        rename(document, "id", "identifier0", document["id"])


MEMBERS = st.sampled_from((*DATES, *NODES))
REWRITES = st.one_of(
    st.tuples(
        st.just(keyword_for_alias),
        st.sampled_from(("$", "credentialSubject", "credentialStatus")),
        st.sampled_from(("id", "type")),
    ),
    st.tuples(st.sampled_from((full_iri, compact_iri, term_alias, keyword_alias)), MEMBERS),
)


def apply(document: dict[str, Any], rewrite: tuple[Any, ...]) -> None:
    function, *arguments = rewrite
    function(document, *arguments)


def meaning(document: dict[str, Any]) -> tuple[Any, ...] | None:
    """What the checks read; None when the reader already refuses the document."""
    try:
        shape = read_credential_shape(document)
    except InvalidCredentialError:
        return None
    return (shape.credential_id, shape.types, shape.issuer_id, shape.valid_from, shape.valid_until,
            shape.status_entries)  # fmt: skip


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rewrites=st.lists(REWRITES, min_size=1, max_size=3))
def test_signed_claims_rdf_equivalent_rewrite_never_verifies_with_another_meaning(
    rewrites: list[tuple[Any, ...]],
) -> None:
    document = copy.deepcopy(SIGNED["eddsa-rdfc-2022"])
    for rewrite in rewrites:
        apply(document, rewrite)
    outcome = secure(document)
    # The rewrite is RDF-equivalent: the signature still verifies, so only the signed-claims check stands between
    # the rewritten JSON and a "valid" with another meaning.
    assert outcome.check.result == "passed", outcome.check.detail
    if outcome.format_problem is None:
        assert meaning(document) == meaning(SIGNED["eddsa-rdfc-2022"])
    if document != SIGNED["eddsa-rdfc-2022"]:  # every rewrite leaves the compacted form: none is accepted
        assert outcome.format_problem is not None, document
        assert outcome.format_problem.problem_type == DATA_LOSS_DETECTION_ERROR


@pytest.mark.parametrize("suite", sorted(SIGNED))
def test_signed_claims_original_credential_passes(suite: str) -> None:
    outcome = secure(SIGNED[suite])
    assert outcome.check.result == "passed"
    assert outcome.format_problem is None


@pytest.mark.parametrize(
    ("rewrite", "detail"),
    [
        ((keyword_for_alias, "$", "id"), "uses the keyword '@id'"),
        ((full_iri, "validUntil"), "as an IRI"),
        ((compact_iri, "credentialStatus"), "maps 'cred' to"),
        ((term_alias, "credentialStatus"), "maps 'xcredentialStatus' to"),
        ((keyword_alias, "id"), "alias of the keyword '@id'"),
    ],
)
def test_signed_claims_attacks_from_issue_8_fail_format(rewrite: tuple[Any, ...], detail: str) -> None:
    document = copy.deepcopy(SIGNED["eddsa-rdfc-2022"])
    apply(document, rewrite)
    outcome = secure(document)
    assert outcome.check.result == "passed"  # the signature alone cannot tell
    assert outcome.format_problem is not None
    assert detail in outcome.format_problem.detail


def test_signed_claims_undefined_type_is_data_loss() -> None:
    document = sign(unsigned() | {"type": ["VerifiableCredential", "UndefinedCredentialType"]})
    outcome = secure(document)
    assert outcome.format_problem is not None
    assert "'UndefinedCredentialType' is not defined by any @context" in outcome.format_problem.detail
    assert outcome.format_problem.problem_type == DATA_LOSS_DETECTION_ERROR


def test_signed_claims_jcs_document_is_checked_too() -> None:
    document = sign(unsigned() | {"type": ["VerifiableCredential", "UndefinedCredentialType"]}, "eddsa-jcs-2022")
    outcome = secure(document)
    assert outcome.check.result == "passed"
    assert outcome.format_problem is not None
    assert "UndefinedCredentialType" in outcome.format_problem.detail


def test_signed_claims_jcs_undefined_property_is_data_loss() -> None:
    document = unsigned()
    document["credentialSubject"]["undefinedTerm"] = "x"
    outcome = secure(sign(document, "eddsa-jcs-2022"))
    assert outcome.check.result == "passed"
    assert outcome.format_problem is not None
    assert "undefinedTerm" in outcome.format_problem.detail


def test_signed_claims_merged_values_under_alias_are_refused() -> None:
    """Two spellings of validUntil merge into one RDF property; the JSON reader would see only one value."""
    document = unsigned()
    document["@context"] = [V2, {"expires": {"@id": f"{CRED}validUntil", "@type": XSD_DATE_TIME}}]
    document["expires"] = "2026-02-01T00:00:00Z"
    with pytest.raises(SignedClaimsError, match="maps 'expires' to"):
        check_signed_claims(document)


@pytest.mark.parametrize("definition", [{"@vocab": "https://example.org/#"}, {"@base": "https://example.org/"}])
def test_signed_claims_inline_vocab_or_base_is_refused(definition: dict[str, str]) -> None:
    document = unsigned()
    document["@context"] = [V2, definition]
    with pytest.raises(SignedClaimsError, match="makes undefined terms look defined"):
        check_signed_claims(document)


def test_signed_claims_relative_id_is_refused() -> None:
    document = unsigned() | {"id": "credential-1"}
    with pytest.raises(SignedClaimsError, match="relative IRI"):
        check_signed_claims(document)


def test_signed_claims_language_value_objects_are_compacted_form() -> None:
    """VC 2.0 §11.1: a value object with @value/@language is the compacted form of a language-tagged string."""
    document = unsigned() | {"name": {"@value": "Diplôme", "@language": "fr"}}
    check_signed_claims(document)


def test_signed_claims_expanded_claim_missing_from_json_is_refused() -> None:
    """The second layer on its own: a signed validUntil the JSON member does not show."""
    from verify_api.proofs.canonical import expand_document
    from verify_api.verification.signed_claims import check_expanded_claims

    document = unsigned()
    expanded = expand_document(document)
    del document["validUntil"]
    with pytest.raises(SignedClaimsError, match="what the proof signed as 'validUntil'"):
        check_expanded_claims(document, expanded)


def fresh_answer(document: dict[str, Any]) -> str | None:
    """The signed-claims answer computed from scratch (no remembered answer): None, or the error's detail."""
    from verify_api.verification.signed_claims import _check_json_document

    try:
        _check_json_document(document)
    except VerifyApiError as exc:
        return f"{type(exc).__name__}: {exc.detail}"
    return None


def remembered_answer(document: dict[str, Any]) -> str | None:
    try:
        check_signed_claims(document)
    except VerifyApiError as exc:
        return f"{type(exc).__name__}: {exc.detail}"
    return None


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rewrites=st.lists(REWRITES, min_size=0, max_size=3), suite=st.sampled_from(sorted(SIGNED)))
def test_signed_claims_remembered_answer_is_the_fresh_answer(rewrites: list[tuple[Any, ...]], suite: str) -> None:
    """eddsa-jcs-2022 documents are not expanded again when the same JSON was checked before: the remembered
    answer must be the one a fresh expansion gives, for accepted and refused documents alike, and a document
    that differs only in member order or in a value's JSON type gets its own answer."""
    document = unsigned()
    for rewrite in rewrites:
        apply(document, rewrite)
    expected = fresh_answer(document)
    assert remembered_answer(document) == expected  # first time: computed
    assert remembered_answer(copy.deepcopy(document)) == expected  # again: remembered
    reordered = dict(reversed(list(document.items())))
    assert remembered_answer(reordered) == fresh_answer(reordered)
    outcome = secure(sign(document, suite))
    assert outcome.check.result == "passed"
    assert (outcome.format_problem is None) == (expected is None)
    if document != unsigned():  # every rewrite leaves the compacted form: none is accepted
        assert outcome.format_problem is not None


@pytest.mark.parametrize("value", [None, float("nan"), float("inf"), 1, 1.0, True, "1"])
def test_signed_claims_values_with_one_json_spelling_are_not_confused(value: object) -> None:
    """null, NaN and Infinity (which Python's JSON reader accepts), 1, 1.0 and true are different answers' keys."""
    document = unsigned() | {"validUntil": value}
    assert remembered_answer(document) == fresh_answer(document)
