"""RDF of a document from a per-shape template: JSON-LD expansion and toRdf done once per shape, not per document.

Of the 2.6 ms an eddsa-rdfc-2022 proof costs, 1.6 ms is JSON-LD 1.1 expansion
(https://www.w3.org/TR/json-ld11-api/#expansion-algorithm) and most of the rest is Deserialize JSON-LD to RDF
(https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm); RDFC-1.0 itself
(https://www.w3.org/TR/rdf-canon/#canon-algorithm) is a fraction. Every credential PAI Verify issues comes from one
builder (domain/credential.py), so its documents have a handful of *shapes*: the same keys, array lengths and
constants, with different strings (names, ids, dates, status list entries) in the same places.

A `ShapeTemplate` is built from one document of a shape: each of its variable strings is replaced by a unique
sentinel, pyld expands the copy and converts it to RDF, and the template records where each sentinel landed (as a
literal's lexical form, or as an IRI) in the RDF dataset and in the expanded form. For another document of the
shape, `instantiate` puts its strings where the sentinels were, giving the dataset and the expanded form pyld
would have computed; canonical.py then runs the real RDFC-1.0 algorithm (`rdfc.BoundedUrdna2015`) on that
dataset. So blank-node labelling (§4.4, whose hashes depend on the literal values) and the final sort of the quads
are computed per document exactly as before; only expansion and toRdf are skipped. Literal escaping is pyld's own
N-Quads serialisation (RDFC-1.0 §4.4 step 7 / RDF 1.1 N-Quads §3), the same code as the slow path.

Why substitution gives exactly pyld's dataset, and what each rule below guards:

- Structure is part of the shape key (`document_shape`): every key, every array length, every non-string value, and
  every string that decides what other strings mean, namely the values of ``@context``, ``type``/``@type`` (which
  select type-scoped contexts) and every other keyword (``@language``, ``@direction``, ...). Only the bundled
  contexts can appear, and only at the top (a nested ``@context`` makes the document untemplatable).
- A string under a term that is not IRI-coerced expands to ``{"@value": s}`` whatever it contains, and toRdf keeps
  it verbatim (JSON-LD 1.1 API §5.3.3 Value Expansion; §8.6 Object to RDF), except under ``@json`` and
  ``xsd:double`` (pyld rewrites those lexical forms): such positions, and any whose sentinel did not land
  verbatim, become constants of the template (the document must carry the template's value there).
- A string in an IRI position (``id``, or an ``@id``/``@vocab``-coerced term) is kept verbatim by IRI Expansion
  (§5.2) when it has the same scheme prefix as the sentinel, the same ``//`` after it, is an absolute IRI (pyld's
  test, also the one toRdf drops relative IRIs by), is not a blank node id and is not a term of any bundled context
  (a ``@vocab`` term would be replaced by its mapping). `instantiate` checks each of these per document.
- Equal ids merge nodes and equal values are kept once (the node map of toRdf), so a document whose substituted
  dataset has a duplicate quad is not instantiated.

Anything else (no template for the shape, a value failing its slot's rule) returns None and the caller uses pyld.
Templates are checked against pyld on the document they were learned from, and at start-up
(`services/canonical_self_check.py`); a mismatch disables the fast path.
"""

from __future__ import annotations

import functools
import re
import secrets
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyld.jsonld import _is_absolute_iri

from verify_api.errors import VerifyApiError
from verify_api.proofs.document_loader import bundled_context_files, load_bundled_context

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

# What pyld's toRdf computes for a document: its expanded form and its RDF dataset (graph name -> triples).
Conversion = tuple[list[Any], dict[str, list[dict[str, Any]]]]

MAX_TEMPLATES = 64
MAX_DEPTH = 24
MAX_STRINGS = 2_000
_XSD_DOUBLE = "http://www.w3.org/2001/XMLSchema#double"
_RDF_JSON = "http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON"
# Lexical forms pyld rewrites on the way to RDF (_object_to_rdf): these literals are never substituted.
_REWRITTEN_DATATYPES = frozenset({_XSD_DOUBLE, _RDF_JSON})
# Keys whose string values are variables; the values of every other keyword (and of their aliases) are structure.
_VARIABLE_KEYWORDS = frozenset({"@id", "@value"})
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):(//)?")
_TOKEN = "rdfct" + secrets.token_hex(6)


class _UntemplatableError(Exception):
    """The document (or its conversion) is not one a template can stand for."""


@dataclass(frozen=True, slots=True)
class DocumentShape:
    """A document's structure (hashable `key`) and its variable strings in walk order (`values`)."""

    key: tuple[Any, ...]
    values: list[str]


@functools.cache
def _keyword_aliases() -> dict[str, str]:
    """Every term a bundled context defines as an alias of a keyword (``type`` -> ``@type``, ``id`` -> ``@id``)."""
    aliases: dict[str, str] = {}
    for context in _bundled_contexts():
        for term, definition in _term_definitions(context):
            target = definition.get("@id") if isinstance(definition, dict) else definition
            if isinstance(target, str) and target.startswith("@") and not term.startswith("@"):
                aliases[term] = target
    return aliases


@functools.cache
def bundled_terms() -> frozenset[str]:
    """Every key of every bundled context (a superset of the terms any of them defines, scoped ones included)."""
    return frozenset(term for context in _bundled_contexts() for term, _ in _term_definitions(context))


def _bundled_contexts() -> list[Any]:
    return [load_bundled_context(url) for url in bundled_context_files()]


def _term_definitions(value: Any) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((key, item))
            found.extend(_term_definitions(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(_term_definitions(item))
    return found


def document_shape(document: Mapping[str, Any]) -> DocumentShape | None:
    """The shape of `document`, or None when no template may stand for it (see the module docstring)."""
    context = document.get("@context")
    contexts = context if isinstance(context, list) else [context]
    bundled = bundled_context_files()
    if not contexts or not all(isinstance(url, str) and url in bundled for url in contexts):
        return None
    values: list[str] = []
    try:
        key = _shape_of_object(document, values, 0, _keyword_aliases(), top=True)
    except _UntemplatableError:
        return None
    return DocumentShape(key, values)


def _shape_of_object(
    node: Mapping[str, Any], values: list[str], depth: int, aliases: dict[str, str], *, top: bool = False
) -> tuple[Any, ...]:
    if depth > MAX_DEPTH:
        raise _UntemplatableError
    members: list[Any] = ["{"]
    for name, value in node.items():
        if type(name) is not str:
            raise _UntemplatableError
        keyword = name if name.startswith("@") else aliases.get(name)
        if name == "@context" and not top:
            raise _UntemplatableError
        if keyword is not None and keyword not in _VARIABLE_KEYWORDS:  # @context, type, @language, ...
            members.append((name, _frozen(value)))
        else:
            members.append((name, _shape_of(value, values, depth + 1, aliases)))
    return tuple(members)


def _shape_of(value: Any, values: list[str], depth: int, aliases: dict[str, str]) -> Any:
    kind = type(value)
    if kind is str:
        if len(values) >= MAX_STRINGS:
            raise _UntemplatableError
        values.append(value)
        return "$"
    if kind is dict:
        return _shape_of_object(value, values, depth, aliases)
    if kind is list:
        if depth > MAX_DEPTH:
            raise _UntemplatableError
        return ("[", *(_shape_of(item, values, depth + 1, aliases) for item in value))
    return _frozen(value)


def _frozen(value: Any) -> Any:
    """A hashable constant standing for a JSON value, equal only for the same JSON value: the type is kept (True is
    not 1, 1 is not 1.0) and floats by their repr (0.0 and -0.0 are equal floats but different RDF literals).
    Anything but exact JSON types (a str subclass, say) has no shape."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return (kind, value)
    if kind is float:
        return (kind, repr(value))
    if kind is list:
        return ("[=", *(_frozen(item) for item in value))
    if kind is dict:
        return ("{=", *((key, _frozen(item)) for key, item in value.items()))
    raise _UntemplatableError


def _with_values(document: Any, values: list[str]) -> Any:
    """A copy of `document` whose variable strings (in `document_shape` walk order) are `values`."""
    replacements = iter(values)
    aliases = _keyword_aliases()

    def rebuild(value: Any) -> Any:
        if isinstance(value, str):
            return next(replacements)
        if isinstance(value, list):
            return [rebuild(item) for item in value]
        if isinstance(value, dict):
            rebuilt = {}
            for name, item in value.items():
                keyword = name if name.startswith("@") else aliases.get(name)
                constant = name == "@context" or (keyword is not None and keyword not in _VARIABLE_KEYWORDS)
                rebuilt[name] = item if constant else rebuild(item)
            return rebuilt
        return value

    return rebuild(document)


def _sentinel(value: str, index: int) -> str:
    """A unique stand-in for `value` that IRI Expansion treats alike: same scheme prefix, same ``//`` after it."""
    scheme = _SCHEME.match(value)
    if scheme is None:
        return f"{_TOKEN}x{index}x"
    return f"{scheme.group(1)}:{scheme.group(2) or ''}{_TOKEN}x{index}x"


def _iri_class(value: str) -> tuple[str, bool] | None:
    scheme = _SCHEME.match(value)
    return None if scheme is None else (scheme.group(1), scheme.group(2) is not None)


# A component of a template triple: ("const", dict) shared as is (pyld never changes IRI or literal components),
# ("bnode", label) copied per document (RDFC-1.0 step 7 relabels it in place), ("iri", slot) or
# ("literal", slot, datatype, language) filled per document.
_Component = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class ShapeTemplate:
    """Where a shape's variable strings land in its RDF dataset and expanded form (see the module docstring)."""

    triples: tuple[tuple[_Component, _Component, _Component], ...]
    expanded: Any  # the expanded form with `_Slot` markers in place of the variable strings
    constants: tuple[tuple[int, str], ...]  # (index, value) every document of the template must carry
    iri_slots: tuple[tuple[int, tuple[str, bool]], ...]  # (index, scheme class) of strings used as IRIs

    def instantiate(self, values: list[str]) -> dict[str, list[dict[str, Any]]] | None:
        """The RDF dataset pyld would compute for the document with these `values`, or None when a value breaks a
        rule its position needs (the caller then runs pyld)."""
        for index, expected in self.constants:
            if values[index] != expected:
                return None
        terms = bundled_terms()
        for index, scheme in self.iri_slots:
            value = values[index]
            if _iri_class(value) != scheme or not _is_absolute_iri(value) or value in terms:
                return None
        triples = [
            {"subject": _component(s, values), "predicate": p[1], "object": _component(o, values)}
            for s, p, o in self.triples
        ]
        seen = {_quad_key(t) for t in triples}
        if len(seen) != len(triples):
            return None  # equal ids or values merged in the node map: not this template's dataset
        return {"@default": triples}

    def expanded_with(self, values: list[str]) -> list[Any]:
        """The JSON-LD expanded form pyld would compute for the document with these `values` (which `instantiate`
        accepted)."""
        expanded: list[Any] = _filled(self.expanded, values)
        return expanded


def _quad_key(triple: dict[str, Any]) -> tuple[str | None, ...]:
    subject, predicate, obj = triple["subject"], triple["predicate"], triple["object"]
    return subject["value"], predicate["value"], obj["type"], obj["value"], obj.get("datatype"), obj.get("language")


class _Slot:
    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _component(spec: _Component, values: list[str]) -> dict[str, Any]:
    kind = spec[0]
    if kind == "const":
        constant: dict[str, Any] = spec[1]
        return constant
    if kind == "bnode":
        return {"type": "blank node", "value": spec[1]}
    if kind == "iri":
        return {"type": "IRI", "value": values[spec[1]]}
    literal = {"type": "literal", "value": values[spec[1]], "datatype": spec[2]}
    if spec[3] is not None:
        literal["language"] = spec[3]
    return literal


def _filled(value: Any, values: list[str]) -> Any:
    if isinstance(value, _Slot):
        return values[value.index]
    if isinstance(value, list):
        return [_filled(item, values) for item in value]
    if isinstance(value, dict):
        return {key: _filled(item, values) for key, item in value.items()}
    return value


def build_template(
    document: Mapping[str, Any], shape: DocumentShape, convert: Callable[[Any], Conversion]
) -> ShapeTemplate:
    """Learn the template of `shape` from `document`: convert a sentinel copy with pyld (`convert`) and map where
    each sentinel landed. Positions whose sentinel did not land verbatim become constants, and the copy is
    converted again with their real values, until every sentinel left lands verbatim (at most a few rounds).
    Raises `_UntemplatableError` when the shape cannot have one."""
    constant: set[int] = set()
    for _round in range(4):
        sentinels = [value if i in constant else _sentinel(value, i) for i, value in enumerate(shape.values)]
        expanded, dataset = convert(_with_values(document, sentinels))
        if set(dataset) != {"@default"} and dataset:
            raise _UntemplatableError  # named graphs: not a shape our builder makes
        slots = {sentinel: i for i, sentinel in enumerate(sentinels) if i not in constant}
        misplaced = _misplaced_sentinels(expanded, dataset.get("@default", []), slots)
        if not misplaced:
            return _template(expanded, dataset.get("@default", []), slots, shape.values, constant)
        constant |= misplaced
    raise _UntemplatableError


def _misplaced_sentinels(expanded: Any, triples: list[dict[str, Any]], slots: dict[str, int]) -> set[int]:
    """Sentinels that are not carried verbatim (inside a longer string, under a rewritten datatype, as a predicate
    or a blank node) or not carried at all (dropped by toRdf)."""
    misplaced: set[int] = set()
    landed: set[int] = set()
    for triple in triples:
        for position, component in triple.items():
            value = component["value"]
            if _TOKEN not in value:
                continue
            index = slots.get(value)
            rewritten = component.get("datatype") in _REWRITTEN_DATATYPES
            if index is None or position == "predicate" or component["type"] == "blank node" or rewritten:
                misplaced |= {i for sentinel, i in slots.items() if sentinel in value}
                if index is None and not any(sentinel in value for sentinel in slots):
                    raise _UntemplatableError  # a token this round did not issue: cannot happen
            else:
                landed.add(index)
    for text, is_key in _strings(expanded):
        if _TOKEN in text and (is_key or text not in slots):
            misplaced |= {i for sentinel, i in slots.items() if sentinel in text}
    misplaced |= set(slots.values()) - landed
    return misplaced


def _strings(value: Any) -> list[tuple[str, bool]]:
    """Every string in an expanded form, and whether it is a key (a key is never substituted)."""
    if isinstance(value, str):
        return [(value, False)]
    if isinstance(value, list):
        return [found for item in value for found in _strings(item)]
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in ((key, True), *_strings(item))]
    return []


def _template(
    expanded: Any, triples: list[dict[str, Any]], slots: dict[str, int], values: list[str], constant: set[int]
) -> ShapeTemplate:
    iri_slots: dict[int, tuple[str, bool]] = {}

    def spec(component: dict[str, Any]) -> _Component:
        value = component["value"]
        index = slots.get(value)
        if component["type"] == "blank node":
            return ("bnode", value)
        if index is None:
            return ("const", dict(component))
        if component["type"] == "IRI":
            scheme = _iri_class(value)
            if scheme is None:
                raise _UntemplatableError  # an IRI sentinel always has a scheme (toRdf keeps absolute IRIs only)
            iri_slots[index] = scheme
            return ("iri", index)
        return ("literal", index, component["datatype"], component.get("language"))

    template_triples = tuple((spec(t["subject"]), ("const", dict(t["predicate"])), spec(t["object"])) for t in triples)
    return ShapeTemplate(
        triples=template_triples,
        expanded=_with_slots(expanded, slots),
        constants=tuple((i, values[i]) for i in sorted(constant)),
        iri_slots=tuple(sorted(iri_slots.items())),
    )


def _with_slots(value: Any, slots: dict[str, int]) -> Any:
    if isinstance(value, str):
        index = slots.get(value)
        return value if index is None else _Slot(index)
    if isinstance(value, list):
        return [_with_slots(item, slots) for item in value]
    if isinstance(value, dict):
        return {key: _with_slots(item, slots) for key, item in value.items()}
    return value


class TemplateStore:
    """The templates of this process, by shape key; at most `capacity`, learned only when the caller says so.

    Thread-safe: lookups are single dict reads; learning takes a lock. A shape that could not be templated, or whose
    template disagreed with pyld, is remembered as refused (None) so it is not tried again.
    """

    def __init__(self, capacity: int = MAX_TEMPLATES) -> None:
        self._capacity = capacity
        self._templates: dict[tuple[Any, ...], ShapeTemplate | None] = {}
        self._lock = threading.Lock()
        self.enabled = True

    def lookup(self, shape: DocumentShape) -> ShapeTemplate | None:
        return self._templates.get(shape.key) if self.enabled else None

    def knows(self, shape: DocumentShape) -> bool:
        return shape.key in self._templates

    def learn(
        self,
        document: Mapping[str, Any],
        shape: DocumentShape,
        convert: Callable[[Any], Conversion],
        agrees: Callable[[ShapeTemplate], bool | None],
    ) -> ShapeTemplate | None:
        """Build the template of `shape` from `document` and keep it if `agrees(template)` (the caller compares
        its canonical form of `document` with pyld's); None when refused or when the store is full. When `agrees`
        cannot tell (None: `document` itself is one the template steps aside for), nothing is recorded, so the
        next document of the shape tries again."""
        with self._lock:
            if shape.key in self._templates:
                return self._templates[shape.key]
            if len(self._templates) >= self._capacity:
                return None
            try:
                template: ShapeTemplate | None = build_template(document, shape, convert)
            except (_UntemplatableError, VerifyApiError):
                template = None
            verdict = None if template is None else agrees(template)
            if template is not None and verdict is None:
                return None
            if not verdict:
                template = None
            self._templates[shape.key] = template
            return template

    def clear(self) -> None:
        with self._lock:
            self._templates.clear()
            self.enabled = True

    def __len__(self) -> int:
        return sum(1 for template in self._templates.values() if template is not None)
