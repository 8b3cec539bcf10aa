"""The template path of RDFC-1.0 (proofs/rdfc_template.py) gives pyld's bytes, or steps aside for pyld.

Every property compares with what pyld computes for the same document (JSON-LD expansion, toRdf, RDFC-1.0): the
canonical N-Quads byte for byte, and the expanded form the verifier reads claims from. The three hypothesis
properties take about 10 s together on the 2-core machine: they are the byte-identity proof the template path rests
on (every example runs pyld as well), so they keep enough examples to reach the odd strings.
"""

from __future__ import annotations

import copy
import string
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from verify_api.domain.credential import CredentialDraft, StatusSlot, build_unsigned_credential
from verify_api.domain.tiers import TIERS, EvidenceRef
from verify_api.errors import ProofError
from verify_api.proofs.canonical import (
    RDFC_TEMPLATES,
    CanonicalRdf,
    canonicalize_dataset,
    canonicalize_rdfc,
    deserialize_to_rdf,
    expand_and_canonicalize_rdfc,
    self_check_rdfc_templates,
)
from verify_api.proofs.cryptosuite import proof_config_steps
from verify_api.proofs.data_integrity import proof_options
from verify_api.proofs.eddsa import EDDSA_RDFC_2022
from verify_api.proofs.rdfc_template import TemplateStore, document_shape
from verify_api.services.rdfc_self_check import (
    MAX_SAMPLE_EVIDENCE,
    check_rdfc_templates_sync,
    sample_documents,
    start_rdfc_self_check,
)
from verify_api.settings import load_settings

BASE_URL = "https://verify.example.org"
MOMENT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
DIGEST = "0f" * 32

# Everything a name, an e-mail or a free text may hold, control characters aside (refused on both paths, below):
# quotes, backslashes, TAB/LF/CR, astral characters, right-to-left marks, and strings that look like IRIs, blank
# node ids, numbers, booleans, dates or JSON-LD keywords.
_TRICKY = [
    '"',
    "\\",
    '\\"',
    "\n",
    "\r\n",
    "\t",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "\u200f",
    "\u202e",
    "\ufeff",
    "https://example.org/x",
    "did:web:example.org",
    "_:b0",
    "urn:uuid:1",
    "42",
    "1.5E0",
    "true",
    "null",
    "2026-12-01T00:00:00Z",
    "@id",
    "@type",
    "type",
    "Profile",
    "> .",
    "<x>",
    "^^",
    "@en",
]
_REFUSED_CONTROLS = "".join(map(chr, [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F]))
_ALLOWED = st.characters(exclude_categories=["Cs"], exclude_characters=_REFUSED_CONTROLS)
texts = st.one_of(
    st.text(_ALLOWED, max_size=40),
    st.lists(st.one_of(st.sampled_from(_TRICKY), st.text(_ALLOWED, max_size=4)), max_size=6).map("".join),
)
# Ids and list ids as the register makes them (so the template path must be taken), and arbitrary ones (it may step
# aside for those: relative or space-holding IRIs are not the template's IRIs).
uuids = st.uuids().map(str)
ids = st.one_of(uuids, texts)
# naive bounds, as hypothesis requires; every drawn value carries UTC
moments = st.datetimes(
    min_value=datetime(1970, 1, 1),  # noqa: DTZ001
    max_value=datetime(9000, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)
evidence = st.builds(
    EvidenceRef,
    name=texts,
    digest=st.binary(min_size=32, max_size=32).map(bytes.hex),
    assessed_at=moments,
)


def make_draft(**overrides: Any) -> CredentialDraft:
    fields: dict[str, Any] = {
        "credential_id": "5f0c6c1e-2a3b-4c5d-8e9f-0a1b2c3d4e5f",
        "tier": "AIDA",
        "subject_name": "Ada Lovelace",
        "valid_from": MOMENT,
        "valid_until": MOMENT + timedelta(days=730),
        "evidence": [],
        "status_slots": [
            StatusSlot(purpose="revocation", list_id="9a1b2c3d-0000-4000-8000-000000000001", index=17),
            StatusSlot(purpose="suspension", list_id="9a1b2c3d-0000-4000-8000-000000000002", index=4242),
        ],
    }
    fields.update(overrides)
    return CredentialDraft(**fields)


def make_document(*, issuer_name: str = "Production AI Institute", **overrides: Any) -> dict[str, Any]:
    return build_unsigned_credential(make_draft(**overrides), base_url=BASE_URL, issuer_name=issuer_name)


def pyld_canonical(document: dict[str, Any]) -> CanonicalRdf:
    """What pyld alone computes: expansion, toRdf, RDFC-1.0."""
    expanded, dataset = deserialize_to_rdf(copy.deepcopy(document))
    return CanonicalRdf(canonicalize_dataset(dataset), expanded)


def learn(document: dict[str, Any]) -> None:
    canonicalize_rdfc(copy.deepcopy(document), learn=True)


def uses_template(document: dict[str, Any]) -> bool:
    shape = document_shape(document)
    template = None if shape is None else RDFC_TEMPLATES.lookup(shape)
    return template is not None and template.instantiate(shape.values) is not None  # type: ignore[union-attr]


def assert_same_as_pyld(document: dict[str, Any]) -> None:
    expected = pyld_canonical(document)
    assert expand_and_canonicalize_rdfc(copy.deepcopy(document)) == expected
    assert canonicalize_rdfc(copy.deepcopy(document)) == expected.nquads


@pytest.fixture(autouse=True)
def _templates_enabled() -> None:
    RDFC_TEMPLATES.enabled = True


@pytest.mark.parametrize("tier", sorted(TIERS))
@pytest.mark.parametrize("evidence_count", [0, 1, 3])
def test_template_of_each_tier_is_learned_and_used(tier: str, evidence_count: int) -> None:
    refs = [EvidenceRef(name=f"Package {n}", digest=f"{n:064x}", assessed_at=MOMENT) for n in range(evidence_count)]
    learn(make_document(tier=tier, evidence=refs))
    other = make_document(
        tier=tier,
        evidence=[
            EvidenceRef(name=f'Review "{n}"\n', digest=f"{n + 7:064x}", assessed_at=MOMENT)
            for n in range(evidence_count)
        ],
        credential_id="00000000-1111-4222-8333-444444444444",
        subject_name="Zoë O'Brien \\ 𝔘",
    )
    assert uses_template(other)
    assert_same_as_pyld(other)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tier=st.sampled_from(sorted(TIERS)),
    subject_name=texts,
    issuer_name=texts,
    refs=st.lists(evidence, max_size=3),
    credential_id=uuids,
    lists=st.tuples(uuids, uuids),
    indexes=st.tuples(st.integers(0, 2**31), st.integers(0, 2**31)),
    valid_from=moments,
    days=st.integers(1, 4000),
)
def test_builder_documents_canonicalise_like_pyld(
    tier: str,
    subject_name: str,
    issuer_name: str,
    refs: list[EvidenceRef],
    credential_id: str,
    lists: tuple[str, str],
    indexes: tuple[int, int],
    valid_from: datetime,
    days: int,
) -> None:
    """Any names, texts, dates and register ids in our builder's documents: pyld's bytes through the template."""
    learn(
        make_document(
            tier=tier,
            evidence=[EvidenceRef(name="x", digest=f"{n:064x}", assessed_at=MOMENT) for n in range(len(refs))],
        )
    )
    document = make_document(
        tier=tier,
        issuer_name=issuer_name,
        subject_name=subject_name,
        evidence=refs,
        credential_id=credential_id,
        valid_from=valid_from,
        valid_until=valid_from + timedelta(days=days),
        status_slots=[
            StatusSlot(purpose="revocation", list_id=lists[0], index=indexes[0]),
            StatusSlot(purpose="suspension", list_id=lists[1], index=indexes[1]),
        ],
    )
    same_evidence = len({ref.digest for ref in refs}) == len(refs)
    if same_evidence and (lists[0] != lists[1] or indexes[0] != indexes[1]):
        assert uses_template(document)  # names and texts are literals: never a reason to step aside
    assert_same_as_pyld(document)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credential_id=ids, list_id=ids, issuer_name=texts, base=st.sampled_from([BASE_URL, "http://127.0.0.1:8"]))
def test_arbitrary_ids_canonicalise_like_pyld(credential_id: str, list_id: str, issuer_name: str, base: str) -> None:
    """Ids that are not IRIs of the template's kind (spaces, no scheme, blank node ids): pyld's bytes either way."""
    learn(make_document())
    draft = make_draft(
        credential_id=credential_id,
        status_slots=[
            StatusSlot(purpose="revocation", list_id=list_id, index=1),
            StatusSlot(purpose="suspension", list_id=list_id + "s", index=2),
        ],
    )
    assert_same_as_pyld(build_unsigned_credential(draft, base_url=base, issuer_name=issuer_name))


_MUTATIONS = st.sampled_from(
    [
        ("id", "relative/credential"),
        ("id", "did:web:verify.example.org"),  # the issuer's id: nodes merge
        ("id", "_:b1"),
        ("id", "https://verify.example.org/v1/credentials/a b"),
        ("id", "Profile"),
        ("name", 42),
        ("name", True),
        ("name", {"@value": "x", "@language": "en"}),
        ("name", ["a", "b"]),
        ("validFrom", "not a date"),
        ("unknownTerm", "x"),
        ("@context", ["https://www.w3.org/ns/credentials/v2"]),
    ]
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutation=_MUTATIONS, where=st.sampled_from(["top", "issuer", "status"]))
def test_documents_off_the_builder_canonicalise_like_pyld(mutation: tuple[str, Any], where: str) -> None:
    """Changed structure or values of other kinds than the template's: pyld's bytes or pyld's refusal."""
    learn(make_document())
    document = make_document()
    target = {"top": document, "issuer": document["issuer"], "status": document["credentialStatus"][0]}[where]
    key, value = mutation
    target[key] = value
    assert outcome(expand_and_canonicalize_rdfc, document) == outcome(pyld_canonical, document)


def outcome(canonicalise: Any, document: dict[str, Any]) -> CanonicalRdf | str:
    """The canonical form, or the detail of the refusal."""
    try:
        result: CanonicalRdf = canonicalise(copy.deepcopy(document))
    except ProofError as exc:
        return exc.detail
    return result


def test_equal_ids_merge_nodes_so_the_template_steps_aside() -> None:
    learn(make_document())
    same = StatusSlot(purpose="revocation", list_id="9a1b2c3d-0000-4000-8000-000000000001", index=17)
    document = make_document(status_slots=[same, StatusSlot(purpose="suspension", list_id=same.list_id, index=17)])
    assert not uses_template(document)
    assert_same_as_pyld(document)


def test_literal_escaping_is_pyld_s() -> None:
    """RDFC-1.0 §4.4 step 7 serialises with N-Quads canonical escaping; pyld writes quote, backslash, TAB, LF, CR as
    ECHARs and everything else as is, and so does the template path (it is pyld's serialiser)."""
    learn(make_document())
    document = make_document(subject_name='A "B" \\ C\nD\rE\tF 𝔘\u200f')
    assert uses_template(document)
    nquads = canonicalize_rdfc(document)
    assert '"A \\"B\\" \\\\ C\\nD\\rE\\tF 𝔘\u200f"' in nquads
    assert nquads == pyld_canonical(document).nquads


@pytest.mark.parametrize("control", ["\x00", "\x07", "\x0b", "\x1f", "\x7f"])
def test_control_characters_are_refused_on_both_paths(control: str) -> None:
    learn(make_document())
    document = make_document(subject_name=f"Ada{control}")
    with pytest.raises(ProofError) as slow:
        pyld_canonical(document)
    with pytest.raises(ProofError) as fast:
        canonicalize_rdfc(document)
    assert fast.value.detail == slow.value.detail


def test_proof_configuration_template_keeps_proof_purpose_constant() -> None:
    """proofPurpose is a @vocab-coerced term: its value selects an IRI, so the template holds it as a constant and a
    proof configuration with another purpose goes through pyld."""
    document = make_document()

    def config(purpose: str, created: str) -> dict[str, Any]:
        options = proof_options(
            cryptosuite=EDDSA_RDFC_2022,
            verification_method="did:web:verify.example.org#key-1",
            created=created,
            proof_purpose=purpose,
        )
        return proof_config_steps(options, document, (EDDSA_RDFC_2022,))

    learn(config("assertionMethod", "2026-12-01T09:30:00Z"))
    later = config("assertionMethod", "2031-01-01T00:00:00Z")
    assert uses_template(later)
    assert_same_as_pyld(later)
    other_purpose = config("authentication", "2031-01-01T00:00:00Z")
    assert not uses_template(other_purpose)
    assert_same_as_pyld(other_purpose)


def test_verification_never_learns_a_shape() -> None:
    document = make_document()
    document["description"] = "a member our builder never writes"
    shape = document_shape(document)
    assert shape is not None
    canonicalize_rdfc(document)
    expand_and_canonicalize_rdfc(document)
    assert RDFC_TEMPLATES.lookup(shape) is None
    assert not RDFC_TEMPLATES.knows(shape)


def test_a_template_that_disagrees_with_pyld_is_refused() -> None:
    store = TemplateStore()
    document = make_document(subject_name="Refused")
    shape = document_shape(document)
    assert shape is not None
    assert store.learn(document, shape, deserialize_to_rdf, lambda _template: False) is None
    assert store.knows(shape)
    assert store.lookup(shape) is None


def test_the_store_is_bounded() -> None:
    store = TemplateStore(capacity=2)
    for count in range(4):
        document = make_document(
            evidence=[EvidenceRef(name="e", digest=f"{n:064x}", assessed_at=MOMENT) for n in range(count)]
        )
        shape = document_shape(document)
        assert shape is not None
        store.learn(document, shape, deserialize_to_rdf, lambda _template: True)
    assert len(store) == 2


def test_documents_with_unbundled_or_inline_contexts_have_no_shape() -> None:
    document = make_document()
    assert document_shape({**document, "@context": [*document["@context"], "https://example.org/ctx"]}) is None
    assert document_shape({**document, "@context": [*document["@context"], {"x": "https://example.org/x"}]}) is None
    assert document_shape({**document, "issuer": {**document["issuer"], "@context": {}}}) is None


def test_self_check_agrees_and_switches_off_on_a_disagreement() -> None:
    samples = [make_document(tier=tier) for tier in sorted(TIERS)]
    assert self_check_rdfc_templates(samples) == []
    assert RDFC_TEMPLATES.enabled
    shape = document_shape(samples[0])
    assert shape is not None
    template = RDFC_TEMPLATES.lookup(shape)
    assert template is not None
    broken = type(template)(template.triples[1:], template.expanded, template.constants, template.iri_slots)
    RDFC_TEMPLATES._templates[shape.key] = broken
    try:
        problems = self_check_rdfc_templates(samples[:1])
        assert problems == ["sample 0: the template's canonical form differs from pyld's"]
        assert not RDFC_TEMPLATES.enabled
        assert canonicalize_rdfc(samples[0]) == pyld_canonical(samples[0]).nquads  # pyld again
    finally:
        RDFC_TEMPLATES._templates[shape.key] = template
        RDFC_TEMPLATES.enabled = True


def test_random_string_values_are_not_confused_with_the_sentinel_alphabet() -> None:
    """Sentinels carry a per-process random token; a value made of its alphabet is an ordinary value."""
    learn(make_document())
    document = make_document(subject_name="rdfct" + string.hexdigits + "x0x")
    assert uses_template(document)
    assert_same_as_pyld(document)


def test_start_up_check_proves_every_builder_shape_and_the_proof_configuration() -> None:
    settings = load_settings({}, public_base_url="https://start-up.example.org")
    method = "did:web:start-up.example.org#key-1"
    samples = sample_documents(settings, method, MOMENT)
    assert check_rdfc_templates_sync(settings, method, MOMENT) == []
    assert len(samples) == len(TIERS) * (MAX_SAMPLE_EVIDENCE + 1) + 1
    assert all(uses_template(sample) for sample in samples)
    # what signing then canonicalises for a real credential and its proof configuration: template, pyld's bytes
    document = build_unsigned_credential(
        make_draft(tier="CAE", subject_name='Ünïcödé "Holder"'), base_url=settings.base_url, issuer_name="Other"
    )
    config = proof_config_steps(
        proof_options(cryptosuite=EDDSA_RDFC_2022, verification_method=method, created="2030-02-03T04:05:06Z"),
        document,
        (EDDSA_RDFC_2022,),
    )
    assert uses_template(document)
    assert uses_template(config)
    assert_same_as_pyld(document)
    assert_same_as_pyld(config)


@pytest.mark.parametrize(("learned", "other"), [(False, 0), (0.0, -0.0), (1, 1.0), (1, True), ("1", 1)])
def test_non_string_values_are_part_of_the_shape(learned: object, other: object) -> None:
    """A number or boolean is structure, not a variable: 0.0 and -0.0 (equal floats), 1 and True (equal in Python)
    still give different shapes, so each document gets its own RDF literal."""
    first, second = make_document(), make_document()
    first["credentialSubject"]["identifier"][0]["hashed"] = learned
    second["credentialSubject"]["identifier"][0]["hashed"] = other
    learn(first)
    assert document_shape(first) != document_shape(second)
    assert_same_as_pyld(second)


def test_start_up_check_runs_once_per_process_in_a_thread() -> None:
    settings = load_settings({}, public_base_url="https://threaded.example.org")
    method = "did:web:threaded.example.org#key-1"
    thread = start_rdfc_self_check(settings, method, MOMENT)
    assert thread is not None
    thread.join(timeout=60)
    assert not thread.is_alive()
    assert start_rdfc_self_check(settings, method, MOMENT) is None  # a second app in the process: already done
    assert all(uses_template(sample) for sample in sample_documents(settings, method, MOMENT))
