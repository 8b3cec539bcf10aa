"""RDFC-1.0 at the first degree (proofs/rdfc.canonicalize_first_degree) gives pyld's bytes, or steps aside for pyld.

The template path's properties (test_rdfc_template.py) check it on our builder's documents with any strings; here it
is checked on arbitrary small datasets (blank nodes as subjects, objects and graph names, IRIs, literals with any
text, datatype and language), where it must either return exactly what pyld's URDNA2015 returns or None.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld.canon import URDNA2015

from tests.unit.test_rdfc_template import make_document
from verify_api.proofs.canonical import canonicalize_dataset, deserialize_to_rdf
from verify_api.proofs.rdfc import canonicalize_first_degree

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"

blank = st.sampled_from(["_:b0", "_:b1", "_:b2", "_:b3"]).map(lambda v: {"type": "blank node", "value": v})
iri = st.sampled_from(["https://a.example/x", "urn:uuid:1", "https://a.example/y#z"]).map(
    lambda v: {"type": "IRI", "value": v}
)
literal = st.one_of(
    st.builds(lambda t: {"type": "literal", "value": t, "datatype": XSD_STRING}, st.text(max_size=6)),
    st.builds(
        lambda t, d: {"type": "literal", "value": t, "datatype": d},
        st.text(max_size=4),
        st.sampled_from(["http://www.w3.org/2001/XMLSchema#dateTime", "https://a.example/dt"]),
    ),
    st.builds(
        lambda t, lang: {"type": "literal", "value": t, "datatype": LANG_STRING, "language": lang},
        st.text(max_size=4),
        st.sampled_from(["en", "fr-CA"]),
    ),
)
triple = st.builds(
    lambda s, p, o: {"subject": s, "predicate": p, "object": o},
    blank | iri,
    st.sampled_from(["https://a.example/p", "https://a.example/q"]).map(lambda v: {"type": "IRI", "value": v}),
    blank | iri | literal,
)
datasets = st.dictionaries(
    st.sampled_from(["@default", "_:b2", "_:g9", "https://a.example/graph"]), st.lists(triple, max_size=6), max_size=3
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dataset=datasets)
def test_arbitrary_datasets_canonicalise_like_pyld_or_step_aside(dataset: dict[str, list[dict[str, Any]]]) -> None:
    untouched = copy.deepcopy(dataset)
    fast = canonicalize_first_degree(dataset)
    assert dataset == untouched  # pyld still gets the dataset as it was
    if fast is not None:  # pyld's own algorithm, unbounded (the deadline of BoundedUrdna2015 is for hostile input)
        assert fast == URDNA2015().main(copy.deepcopy(dataset), {"format": "application/n-quads"})


def test_builder_documents_are_labelled_at_the_first_degree() -> None:
    _, dataset = deserialize_to_rdf(make_document(subject_name='Zoë "\\ 𝔘\n'))
    fast = canonicalize_first_degree(copy.deepcopy(dataset))
    assert fast is not None
    assert fast == canonicalize_dataset(dataset)
    assert "_:c14n0" in fast


def test_blank_nodes_alike_at_the_first_degree_are_left_to_pyld() -> None:
    p = {"type": "IRI", "value": "https://a.example/p"}
    o = {"type": "literal", "value": "same", "datatype": XSD_STRING}
    dataset = {
        "@default": [
            {"subject": {"type": "blank node", "value": b}, "predicate": p, "object": o} for b in ("_:x", "_:y")
        ]
    }
    assert canonicalize_first_degree(dataset) is None


def test_a_nul_of_the_quad_s_own_is_left_to_pyld() -> None:
    p = {"type": "IRI", "value": "https://a.example/p"}
    o = {"type": "literal", "value": "a\x00b", "datatype": XSD_STRING}
    dataset = {"@default": [{"subject": {"type": "blank node", "value": "_:x"}, "predicate": p, "object": o}]}
    assert canonicalize_first_degree(dataset) is None
