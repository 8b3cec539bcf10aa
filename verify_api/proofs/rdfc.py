"""RDFC-1.0 blank-node labelling with the poison-graph safeguard, over pyld's URDNA2015.

RDF Dataset Canonicalization (https://www.w3.org/TR/rdf-canon/) is exponential in the worst case: §4.8 "Hash
N-Degree Quads" tries every permutation of blank nodes that first-degree hashing cannot tell apart, recursively.
§7 "Security Considerations" (https://www.w3.org/TR/rdf-canon/#security-considerations) calls such input "poison
graphs" and requires implementations to bound the work. pyld has no bound: a complete graph of 8 blank nodes
(1.6 KB) took 80 s, ``{"@list": [300 identical strings]}`` 22 s.

`BoundedUrdna2015` counts every Hash N-Degree Quads call and every permutation it tries (each permutation copies
the path issuer, §4.8.3 step 5.4.1), against a budget proportional to the number of blank nodes, the form the
reference implementations use (rdf-canonize's ``maxWorkFactor``, RDF.ex's ``hndq_call_limit``), and checks a
deadline as it goes. Over either limit it raises `CanonicalizationLimitError`; it never changes a result it
returns.
"""

from __future__ import annotations

import copy
import hashlib
import time
from typing import Any

from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer
from pyld.nquads import serialize_nquad

from verify_api.errors import CanonicalizationLimitError

# Work = Hash N-Degree Quads calls plus permutations tried. Honest credentials need
# none (their blank nodes hash apart at first degree). Measured needs: a list of 10 identical values 192 steps,
# of 20 values 972, a complete graph of 4 blank nodes 556, of 5 4565, of 6 41046 (0.25 s). The budget is
# WORK_PER_BLANK_NODE per blank node (RDF.ex's default factor), at least MIN_WORK and at most MAX_WORK
# (about 15 ms at 7 µs a step), so a poison graph of any size is refused in milliseconds.
WORK_PER_BLANK_NODE = 50
MIN_WORK = 64
MAX_WORK = 2_000
# A step costs 7 µs to 60 µs (permutations copy ever larger issuers), so the work is also bounded in CPU time of
# the canonicalising thread (not wall time, which contention would inflate), checked every CHECK_EVERY steps.
NDEGREE_CPU_SECONDS = 0.005
DEADLINE_SECONDS = 0.5
CHECK_EVERY = 16
# Honest credentials have a dozen blank nodes; above this many, canonicalisation yields the GIL as it goes.
SUSPECT_BLANK_NODES = 32


class _Budget:
    def __init__(self, limit: int, deadline: float) -> None:
        self.limit = limit
        self.deadline = deadline
        self.spent = 0
        self.cpu_deadline: float | None = None

    def spend(self) -> None:
        if self.cpu_deadline is None:
            self.cpu_deadline = time.thread_time() + NDEGREE_CPU_SECONDS
        self.spent += 1
        if self.spent % CHECK_EVERY == 0:
            _yield_to_other_threads()
        if self.spent % CHECK_EVERY == 0 and time.thread_time() > self.cpu_deadline:
            raise CanonicalizationLimitError(
                f"RDF canonicalisation gave up after {NDEGREE_CPU_SECONDS * 1000:.0f} ms of N-degree hashing "
                "(RDFC-1.0 §4.8): the document's blank nodes cannot be told apart cheaply (a poison graph); "
                "give its nodes ids or distinct values"
            )
        if self.spent > self.limit:
            raise CanonicalizationLimitError(
                f"RDF canonicalisation gave up after {self.limit} steps of N-degree hashing (RDFC-1.0 §4.8): "
                "the document's blank nodes cannot be told apart cheaply (a poison graph); give its nodes ids "
                "or distinct values"
            )
        self.check_deadline()

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise CanonicalizationLimitError(
                "RDF canonicalisation took longer than its time limit; the document is too costly to canonicalise"
            )


def _yield_to_other_threads() -> None:
    """Release the GIL so a waiting thread (our own issuance) runs now instead of after the 5 ms switch interval.

    Only input that is already suspect gets here (N-degree hashing, or many blank nodes): honest credentials never
    pay for it. The refusal comes a little later; everything else in the process goes first.
    """
    time.sleep(0)


class _BudgetedIssuer(IdentifierIssuer):  # type: ignore[misc]  # pyld is untyped
    """The temporary issuer of Hash N-Degree Quads; copying it (once per permutation tried) spends budget."""

    def __init__(self, prefix: str, budget: _Budget) -> None:
        super().__init__(prefix)
        self.budget = budget

    def __deepcopy__(self, memo: dict[int, Any]) -> _BudgetedIssuer:
        self.budget.spend()
        clone = _BudgetedIssuer(self.prefix, self.budget)
        clone.counter = self.counter
        clone.existing = dict(self.existing)
        clone.order = list(self.order)
        return clone


class BoundedUrdna2015(URDNA2015):  # type: ignore[misc]  # pyld is untyped
    """pyld's URDNA2015 (RDFC-1.0 §4.4), refusing input whose N-degree hashing would exceed a work budget."""

    def __init__(self, *, work_per_blank_node: int = WORK_PER_BLANK_NODE, deadline_seconds: float = DEADLINE_SECONDS):
        super().__init__()
        self._suspect = False
        self._first_degree_calls = 0
        self._work_per_blank_node = work_per_blank_node
        self._budget = _Budget(MIN_WORK, time.monotonic() + deadline_seconds)

    def main(self, dataset: dict[str, Any], options: dict[str, Any]) -> Any:
        """RDFC-1.0 §4.4 "Canonicalization Algorithm", with the budget sized once the blank nodes are known."""
        blank_nodes = {
            component["value"]
            for triples in dataset.values()
            for triple in triples
            for key, component in triple.items()
            if key != "predicate" and component["type"] == "blank node"
        }
        self._budget.limit = min(MAX_WORK, max(MIN_WORK, self._work_per_blank_node * len(blank_nodes)))
        self._suspect = len(blank_nodes) > SUSPECT_BLANK_NODES
        return super().main(dataset, options)

    def hash_first_degree_quads(self, id_: str) -> Any:
        """RDFC-1.0 §4.6; runs once per unlabelled blank node per pass, so it watches the clock."""
        self._budget.check_deadline()
        self._first_degree_calls += 1
        if self._suspect and self._first_degree_calls % 4 == 0:
            _yield_to_other_threads()
        return super().hash_first_degree_quads(id_)

    def modify_first_degree_component(self, id_: str, component: dict[str, Any], key: str) -> dict[str, Any]:
        """RDFC-1.0 §4.6.3 step 3.1.1: a blank node is serialised as ``_:a`` when it is the reference node, else
        ``_:z``. pyld deep-copies the component to do so (a third of the time of canonicalising a credential); a
        blank node component is a flat dict of strings, so a shallow copy is the same copy."""
        if component["type"] != "blank node":
            return component
        return {**component, "value": "_:a" if component["value"] == id_ else "_:z"}

    def hash_n_degree_quads(self, id_: str, issuer: IdentifierIssuer) -> Any:
        """RDFC-1.0 §4.8 "Hash N-Degree Quads": every call, and every permutation it tries, spends budget."""
        self._budget.spend()
        if not isinstance(issuer, _BudgetedIssuer):
            budgeted = _BudgetedIssuer(issuer.prefix, self._budget)
            budgeted.counter = issuer.counter
            budgeted.existing = copy.copy(issuer.existing)
            budgeted.order = list(issuer.order)
            issuer = budgeted
        return super().hash_n_degree_quads(id_, issuer)


# Where a blank node stands in a quad serialised by pyld's `serialize_nquad` (which writes a blank node's label as it
# is, and a graph name starting with "_:" as a blank node): a label holding a NUL, which no quad of ours holds
# (checked per quad: a quad with a NUL of its own is left to pyld).
_HOLE = "_:\x00"


def canonicalize_first_degree(dataset: dict[str, list[dict[str, Any]]]) -> str | None:
    """RDFC-1.0 §4.4 "Canonicalization Algorithm" (https://www.w3.org/TR/rdf-canon/#canon-algorithm) of a dataset in
    which every blank node has its own first-degree hash (§4.6), byte for byte as pyld's URDNA2015 computes it; None
    when two blank nodes share a hash (§4.8 "Hash N-Degree Quads" decides their order: the caller runs
    `BoundedUrdna2015`) or a quad is not one this handles. `dataset` is not modified.

    Our own credentials are of the first kind. The difference from pyld is only in how often a quad is serialised:
    once here (with pyld's own `serialize_nquad`, so escaping is pyld's), with holes where its blank nodes stand,
    which §4.6 step 3.1 (`_:a` for the reference blank node, `_:z` for any other) and §4.4 step 7 (the canonical
    labels) then fill, instead of serialising every quad again for each blank node it names and once more at the end.
    """
    quads: list[tuple[list[str], list[str]]] = []  # each quad's text split at its holes, and the labels in them
    mentions: dict[str, list[int]] = {}  # §4.4 step 2: blank node -> its quads, once per mention (as pyld counts)
    first_degree: list[str | None] = []
    for graph_name, triples in dataset.items():
        graph = None if graph_name == "@default" else graph_name
        for triple in triples:
            quad = _with_holes(triple, graph)
            if quad is None:
                return None
            pieces, labels = quad
            for label in labels:
                mentions.setdefault(label, []).append(len(quads))
            quads.append((pieces, labels))
            # A quad naming one blank node reads the same from it whichever it is: `_:a` (§4.6 step 3.1.1).
            first_degree.append(pieces[0] + "_:a" + pieces[1] if len(labels) == 1 else None)
    # §4.4 step 5 (§4.6 for every blank node): all in one pass when no two hashes are alike.
    issued: dict[str, str] = {}
    for label, numbers in mentions.items():
        nquads = sorted(
            first_degree[n] or _filled(quads[n][0], ["_:a" if other == label else "_:z" for other in quads[n][1]])
            for n in numbers
        )
        digest = hashlib.sha256("".join(nquads).encode()).hexdigest()
        if digest in issued:
            return None  # two blank nodes alike at the first degree
        issued[digest] = label
    # §4.4 step 5.4.2: canonical identifiers issued in code point order of the hashes.
    canonical = {issued[digest]: f"_:c14n{n}" for n, digest in enumerate(sorted(issued))}
    # §4.4 step 7: every quad with its canonical labels, in code point order.
    return "".join(sorted(_filled(pieces, [canonical[label] for label in labels]) for pieces, labels in quads))


def _with_holes(triple: dict[str, Any], graph: str | None) -> tuple[list[str], list[str]] | None:
    """The quad's N-Quads text split where its blank nodes stand, and their labels in order; None for a quad with a
    NUL of its own or a predicate that is not an IRI (left to pyld)."""
    if triple["predicate"]["type"] != "IRI":
        return None
    labels: list[str] = []
    masked: dict[str, Any] = {"predicate": triple["predicate"]}
    for position in ("subject", "object"):
        component = triple[position]
        if component["type"] == "blank node":
            labels.append(component["value"])
            component = {"type": "blank node", "value": _HOLE}
        masked[position] = component
    if graph is not None and graph.startswith("_:"):
        labels.append(graph)
        masked["name"] = {"type": "blank node", "value": _HOLE}
    elif graph is not None:
        masked["name"] = {"type": "IRI", "value": graph}
    text = serialize_nquad(masked)
    if text.count("\x00") != len(labels):
        return None
    return text.split(_HOLE), labels


def _filled(pieces: list[str], labels: list[str]) -> str:
    """A quad's text with `labels` in its holes, in order."""
    if len(pieces) == 1:
        return pieces[0]
    if len(pieces) == 2:  # one blank node, the usual case
        return pieces[0] + labels[0] + pieces[1]
    out = [pieces[0]]
    for label, piece in zip(labels, pieces[1:], strict=True):
        out += (label, piece)
    return "".join(out)
