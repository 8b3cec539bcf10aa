"""Canonical forms that proofs sign: RFC 8785 JCS and RDFC-1.0 (URDNA2015) N-Quads.

RDFC-1.0 runs pyld with the offline loader in `document_loader.py`; pyld's default (network) loader
and its process-wide context cache are never used. Five things here go beyond calling pyld:

1. **Context cache, per thread.** The loader tags bundled contexts as "static", and every call gets a fresh
   `ContextResolver` over a bounded LRU cache, so a bundled context is resolved and processed once per
   thread instead of on every call (37-line OB 3.0 credential, dev VM: 1.9 ms per call with a plain pyld
   call, 1.1 ms with the cache). Only `document_loader` ever fills that cache, and the bundled contexts
   never change, so this cannot change a result. Neither that cache nor pyld's per-context caches
   (cachetools) are thread-safe, so each thread has its own: no lock, so our own issuance never waits
   behind a presented document being canonicalised in another thread.
2. **Strict mode (default).** JSON-LD expansion silently drops a property that no context defines, so
   that property would not be signed. Neither the VC 1.1 nor the VC 2.0 (Recommendation) base context
   has an ``@vocab``; only contexts such as examples/v2 add one. With ``strict=True`` a
   dropped property raises `ProofError` naming it, like the "safe mode" of jsonld.js that the reference
   implementations use. It covers dropped *properties* only (pyld's only hook); a relative IRI in
   ``@type``/``@id`` is not detected.
3. **Bounded work.** Blank-node labelling runs `rdfc.BoundedUrdna2015`, which refuses poison graphs
   (RDFC-1.0 §7) with `CanonicalizationLimitError`, and any failure of pyld on hostile input (it raises
   more than `JsonLdError`) becomes a `ProofError` saying the document cannot be processed.
4. **Control characters.** RDFC-1.0 writes U+0000-U+001F and U+007F in literals as ECHAR/UCHAR escapes;
   pyld 3.3 escapes only TAB, LF, CR, quote and backslash, so its output would differ from other
   implementations'. Such characters (other than TAB, LF, CR) are therefore rejected in any string.
5. **Shape templates.** In strict mode, a document of a shape in `RDFC_TEMPLATES` (rdfc_template.py: learned from
   our own documents as they are signed, proven against pyld) gets its dataset and expanded form from the
   template instead of JSON-LD expansion and toRdf; the RDFC-1.0 step below runs on it all the same, at the first
   degree alone when that labels every blank node (`rdfc.canonicalize_first_degree`, byte for byte pyld's result).
"""

from __future__ import annotations

import re
import threading
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import rfc8785
from frozendict import frozendict
from pyld.context_resolver import ContextResolver
from pyld.identifier_issuer import IdentifierIssuer
from pyld.jsonld import JsonLdError, JsonLdProcessor, _is_absolute_iri

from verify_api.caching import BoundedCache
from verify_api.errors import DataLossError, ProofError, VerifyApiError
from verify_api.proofs.document_loader import document_loader
from verify_api.proofs.rdfc import BoundedUrdna2015, canonicalize_first_degree
from verify_api.proofs.rdfc_template import Conversion, ShapeTemplate, TemplateStore, document_shape

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    JsonValue = Mapping[str, Any] | Sequence[Any] | str | int | float | bool | None


class _ProcessedContextMemo(BoundedCache[tuple[Any, ...], tuple[Any, Any, Any]]):
    """Scoped contexts already processed against an active context: (uuid, id(local), flags) -> (local, active, result).

    pyld caches a processed context only per active-context uuid, and every type-scoped context (``@propagate``
    false, used throughout the Open Badges 3.0 context) is applied to a fresh clone without one, so it was processed
    again for every node: 3.6 ms of a 6.2 ms canonicalisation of the OB 3.0 sample. The key holds the identities of
    the (cached, never mutated) term-definition context and active context, and the entry keeps both alive so an id
    cannot be reused while it is in the memo. Bounded: a document's own inline contexts pass through once.
    """

    def __init__(self) -> None:
        super().__init__(256)

    def lookup(self, key: tuple[Any, ...], local_ctx: Any, active_ctx: Any) -> Any:
        entry = self.get(key)
        if entry is None or entry[0] is not local_ctx or entry[1] is not active_ctx:
            return None
        return entry[2]

    def store(self, key: tuple[Any, ...], local_ctx: Any, active_ctx: Any, result: Any) -> None:
        self.put(key, (local_ctx, active_ctx, result))


class _MemoizingProcessor(JsonLdProcessor):  # type: ignore[misc]  # pyld is untyped
    """pyld's processor, reusing scoped contexts processed earlier in this thread (see `_ProcessedContextMemo`)."""

    # PLR0913: overrides pyld's ContextResolver/processor method, whose signature this must keep
    def _process_context(  # noqa: PLR0913
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        uuid = active_ctx.get("_uuid") if isinstance(active_ctx, frozendict) else None
        if uuid is None or not isinstance(local_ctx, dict):
            return super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
        memo = _processed_contexts()
        key = (uuid, id(local_ctx), override_protected, propagate, validate_scoped)
        result = memo.lookup(key, local_ctx, active_ctx)
        if result is None:
            result = super()._process_context(
                active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
            )
            memo.store(key, local_ctx, active_ctx, result)
        return result


class CanonicalRdf(NamedTuple):
    """What RDFC-1.0 canonicalisation computed: the canonical N-Quads and the JSON-LD expanded form on the way."""

    nquads: str
    expanded: list[Any]


_THREAD_STATE = threading.local()
# The shape templates of this process (rdfc_template): learned from our own documents as they are signed.
RDFC_TEMPLATES = TemplateStore()
_UNESCAPED_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What pyld raises besides JsonLdError on hostile input ({"@vocab": null}: KeyError; a huge integer: OverflowError).
_PYLD_FAILURES = (ValueError, TypeError, KeyError, AttributeError, IndexError, RecursionError, ArithmeticError)


def _resolved_contexts() -> BoundedCache[str, Any]:
    """The cache pyld's ContextResolver keeps resolved contexts in, one per thread.

    Keys are context URLs and the JCS form of inline contexts; documents can bring any number of
    inline contexts, hence the bound.
    """
    cache: BoundedCache[str, Any] | None = getattr(_THREAD_STATE, "resolved_contexts", None)
    if cache is None:
        cache = _THREAD_STATE.resolved_contexts = BoundedCache(512)
    return cache


def _processed_contexts() -> _ProcessedContextMemo:
    memo: _ProcessedContextMemo | None = getattr(_THREAD_STATE, "processed_contexts", None)
    if memo is None:
        memo = _THREAD_STATE.processed_contexts = _ProcessedContextMemo()
    return memo


def canonicalize_jcs(value: JsonValue) -> bytes:
    """Serialise a JSON value with the JSON Canonicalization Scheme (RFC 8785), as UTF-8 bytes."""
    try:
        return bytes(rfc8785.dumps(value))
    except rfc8785.CanonicalizationError as exc:
        raise ProofError(f"value cannot be canonicalised with JCS (RFC 8785): {exc}") from exc


def canonicalize_rdfc(document: Mapping[str, Any], *, strict: bool = True, learn: bool = False) -> str:
    """Canonicalise a JSON-LD document with RDFC-1.0 (URDNA2015) to canonical N-Quads.

    Contexts come only from the bundled set (any other URL raises `UnknownContextError`). With
    `strict` (the default), a property that expands to nothing raises `ProofError` naming it instead of
    being silently left out of what is signed. With `learn`, a document of a shape not seen before teaches the
    shape's template (only our own documents, on the signing path, do). See the module docstring.
    """
    if strict:
        fast = _canonical_from_template(document, learn=learn, with_expanded=False)
        if fast is not None:
            return fast.nquads
    return expand_and_canonicalize_rdfc(document, strict=strict).nquads


def expand_document(document: Mapping[str, Any], *, strict: bool = True) -> list[Any]:
    """JSON-LD 1.1 expansion (https://www.w3.org/TR/json-ld11-api/#expansion) over the bundled contexts only."""
    _reject_control_characters(document)
    processor = _processor(strict)
    try:
        expanded: list[Any] = processor.expand(dict(document), _options())
    except JsonLdError as exc:
        _raise_from_jsonld_error(exc)
    except _PYLD_FAILURES as exc:
        raise ProofError(f"JSON-LD processing failed: the document cannot be expanded ({type(exc).__name__})") from exc
    return expanded


def expand_and_canonicalize_rdfc(
    document: Mapping[str, Any], *, strict: bool = True, learn: bool = False
) -> CanonicalRdf:
    """RDFC-1.0 canonical N-Quads of `document`, plus its expanded form (for reading what was signed).

    The steps pyld's ``normalize`` runs, kept apart so the expansion is not thrown away: JSON-LD expansion,
    Deserialize JSON-LD to RDF (https://www.w3.org/TR/json-ld11-api/#deserialize-json-ld-to-rdf-algorithm), then
    RDFC-1.0 §4.4 with the poison-graph safeguard (`rdfc.BoundedUrdna2015`). In strict mode, a document of a shape
    with a template (`rdfc_template`) skips the first two: its dataset and expanded form come from the template.
    """
    if strict:
        fast = _canonical_from_template(document, learn=learn)
        if fast is not None:
            return fast
    expanded, dataset = deserialize_to_rdf(document, strict=strict)
    return CanonicalRdf(canonicalize_dataset(dataset), expanded)


def deserialize_to_rdf(document: Mapping[str, Any], *, strict: bool = True) -> Conversion:
    """JSON-LD expansion then Deserialize JSON-LD to RDF (pyld's toRdf steps): the expanded form and the dataset."""
    expanded = expand_document(document, strict=strict)
    processor = _processor(strict)
    options = _options()
    try:
        issuer = IdentifierIssuer("_:b")
        node_map: dict[str, Any] = {"@default": {}}
        processor._create_node_map(expanded, node_map, "@default", issuer)  # pyld's toRdf step (private; pinned pyld)
        dataset = {
            name: processor._graph_to_rdf(graph, issuer, options)  # pyld's toRdf step (private; pinned pyld)
            for name, graph in sorted(node_map.items())
            if name == "@default" or _is_absolute_iri(name)
        }
    except JsonLdError as exc:
        _raise_from_jsonld_error(exc)
    except _PYLD_FAILURES as exc:
        raise ProofError(
            f"JSON-LD processing failed: the document cannot be turned into RDF ({type(exc).__name__})"
        ) from exc
    return expanded, dataset


def canonicalize_dataset(dataset: dict[str, list[dict[str, Any]]]) -> str:
    """RDFC-1.0 §4.4 "Canonicalization Algorithm" (https://www.w3.org/TR/rdf-canon/#canon-algorithm) over an RDF
    dataset, serialised as canonical N-Quads (§4.4 step 7; escaping as pyld writes literals, see the module
    docstring, point 4), with the poison-graph safeguard (`rdfc.BoundedUrdna2015`)."""
    try:
        result = BoundedUrdna2015().main(dataset, {"format": "application/n-quads"})
    except JsonLdError as exc:
        _raise_from_jsonld_error(exc)
    except _PYLD_FAILURES as exc:
        raise ProofError(
            f"JSON-LD processing failed: the document cannot be turned into RDF ({type(exc).__name__})"
        ) from exc
    if not isinstance(result, str):  # pragma: no cover - pyld returns a string when "format" is given
        raise ProofError("RDF canonicalisation did not produce N-Quads")
    return result


def _canonical_from_template(
    document: Mapping[str, Any], *, learn: bool, with_expanded: bool = True
) -> CanonicalRdf | None:
    """The canonical form of `document` through its shape's template, or None when it has none (then pyld runs).
    Without `with_expanded`, the expanded form is left empty (signing reads only the N-Quads).

    With `learn`, an unknown shape is learned: pyld canonicalises the document, the template is built, and it is
    kept only if it gives the same N-Quads and expanded form for this document.
    """
    if not RDFC_TEMPLATES.enabled or not isinstance(document, dict):
        return None
    shape = document_shape(document)
    if shape is None:
        return None
    template = RDFC_TEMPLATES.lookup(shape)
    if template is not None:
        # Keys and constants passed pyld's refusal of control characters when the template was learned; the
        # variable strings are checked here (on a hit, the walk names the path, as on the pyld path).
        if _UNESCAPED_CONTROL.search("".join(shape.values)):
            _reject_control_characters(document)
        return _canonical_from(template, shape.values, with_expanded=with_expanded)
    if not learn or RDFC_TEMPLATES.knows(shape):
        return None
    expanded, dataset = deserialize_to_rdf(document)
    slow = CanonicalRdf(canonicalize_dataset(dataset), expanded)

    def agrees(candidate: ShapeTemplate) -> bool | None:
        fast = _canonical_from(candidate, shape.values)
        return None if fast is None else fast == slow

    RDFC_TEMPLATES.learn(document, shape, deserialize_to_rdf, agrees)
    return slow


def _canonical_from(template: ShapeTemplate, values: list[str], *, with_expanded: bool = True) -> CanonicalRdf | None:
    """The template path: the dataset from the template, labelled at the first degree where that decides every blank
    node (`rdfc.canonicalize_first_degree`, as our documents are), else by pyld's full algorithm. The checks that
    recompute a canonical form "with pyld alone" call `canonicalize_dataset`, never this."""
    dataset = template.instantiate(values)
    if dataset is None:
        return None
    nquads = canonicalize_first_degree(dataset) or canonicalize_dataset(dataset)
    return CanonicalRdf(nquads, template.expanded_with(values) if with_expanded else [])


def self_check_rdfc_templates(samples: Sequence[Mapping[str, Any]]) -> list[str]:
    """Start-up check of the template path: learn each sample's shape and compare its canonical form and expanded
    form with pyld's. Returns what disagreed (empty when all agree); on any disagreement, the template path is
    switched off for the process, so everything goes through pyld."""
    problems: list[str] = []
    for number, sample in enumerate(samples):
        shape = document_shape(sample)
        if shape is None:
            problems.append(f"sample {number} has no template shape")
            continue
        expanded, dataset = deserialize_to_rdf(sample)
        slow = CanonicalRdf(canonicalize_dataset(dataset), expanded)
        template = RDFC_TEMPLATES.lookup(shape) or RDFC_TEMPLATES.learn(
            sample, shape, deserialize_to_rdf, lambda candidate: True
        )
        fast = None if template is None else _canonical_from(template, shape.values)
        if fast is None:
            problems.append(f"sample {number}: no template could be learned for its shape")
        elif fast != slow:
            problems.append(f"sample {number}: the template's canonical form differs from pyld's")
    if problems:
        RDFC_TEMPLATES.enabled = False
    return problems


def _processor(strict: bool) -> JsonLdProcessor:
    return _MemoizingProcessor(on_property_dropped=_raise_dropped_property if strict else _ignore)


def _options() -> dict[str, Any]:
    """The options pyld's ``normalize`` would pass down (base '' as for an object input, JSON-LD 1.1)."""
    return {
        "base": "",
        "documentLoader": document_loader,
        "contextResolver": ContextResolver(_resolved_contexts(), document_loader),
        "extractAllScripts": True,
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
    }


def _raise_dropped_property(expanded_property: str | None) -> None:
    name = "(unnamed)" if expanded_property is None else repr(expanded_property)
    raise DataLossError(
        f"property {name} is not defined by any @context, so it would not be signed; "
        "define it in a context or remove it"
    )


def _ignore(_expanded_property: str | None) -> None:
    return None


def _raise_from_jsonld_error(exc: JsonLdError) -> NoReturn:
    """Re-raise the domain error a loader or handler raised inside pyld, or describe pyld's own error."""
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, VerifyApiError):
            raise cause from exc
        cause = cause.__cause__ or cause.__context__
    innermost: BaseException = exc
    while isinstance(innermost.__cause__, JsonLdError):
        innermost = innermost.__cause__
    message = innermost.args[0] if innermost.args else "unknown error"
    code = getattr(innermost, "code", None)
    raise ProofError(f"JSON-LD processing failed: {message}" + (f" ({code})" if code else "")) from exc


def _reject_control_characters(value: object, path: str = "$") -> None:
    if isinstance(value, str):
        found = _UNESCAPED_CONTROL.search(value)
        if found:
            raise ProofError(
                f"{path} contains control character U+{ord(found.group()):04X}, which cannot be "
                "canonicalised reliably (RDFC-1.0 escaping)"
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _reject_control_characters(key, f"{path} (key)")
            _reject_control_characters(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _reject_control_characters(item, f"{path}[{index}]")
