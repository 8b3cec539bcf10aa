"""Is the JSON the checks read the data the proof signed? JSON-LD compacted form, checked against the expansion.

eddsa-rdfc-2022 signs RDF, not JSON: renaming ``id`` to ``@id``, spelling ``validUntil`` as its full IRI or as a
compact IRI through an appended inline context, or aliasing ``credentialStatus`` leaves the proof valid while a
JSON reader misses the member. VC Data Model 2.0 §4.3 / §6.1 (https://www.w3.org/TR/vc-data-model-2.0/#contexts,
https://www.w3.org/TR/vc-data-model-2.0/#syntaxes) requires the compacted document form, and VC Data Integrity 1.0
§2.4.1 "Securing Data Losslessly" (https://www.w3.org/TR/vc-data-integrity/#securing-data-losslessly) requires an
error, which SHOULD be DATA_LOSS_DETECTION_ERROR, when JSON-LD processing drops data (an undefined term). So:

1. `check_compacted_form`: in the JSON, no keyword where the contexts define its alias (``@id``, ``@type``, ...),
   no property spelled as a full or compact IRI, and no inline context that aliases a keyword, sets ``@vocab`` or
   ``@base``, or re-maps a term of the VC vocabulary under another name.
2. `check_expanded_claims`: in the expanded form (the one canonicalisation already computed), no relative IRI
   (an undefined ``type`` value or id), and ``id``, ``type``, ``issuer``, ``validFrom``, ``validUntil`` (VC 1.1:
   ``issuanceDate``, ``expirationDate``), ``credentialStatus`` and ``credentialSubject`` exactly as the JSON
   members say: a signed value the JSON reader would not see is refused.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import Counter, OrderedDict
from typing import TYPE_CHECKING, Any

from pyld.jsonld import DEFAULT_BASE_IRI

from verify_api.errors import SignedClaimsError, VerifyApiError
from verify_api.proofs.canonical import expand_document

if TYPE_CHECKING:
    from collections.abc import Iterator

_CRED = "https://www.w3.org/2018/credentials#"
_SEC = "https://w3id.org/security#"
# Keywords a compacted VC may carry as keys: value objects (VC 2.0 §11.1 language and direction) and lists.
_ALLOWED_KEYWORDS = frozenset({"@context", "@value", "@language", "@direction", "@list", "@set"})
_NESTED_KEYWORDS = frozenset({"@list", "@set", "@graph", "@included", "@reverse"})
_ISSUER = f"{_CRED}issuer"
_SUBJECT = f"{_CRED}credentialSubject"
_STATUS = f"{_CRED}credentialStatus"
_DATES = {
    "validFrom": f"{_CRED}validFrom",
    "validUntil": f"{_CRED}validUntil",
    "issuanceDate": f"{_CRED}issuanceDate",
    "expirationDate": f"{_CRED}expirationDate",
}


def check_signed_claims(unsecured: dict[str, Any], expanded: list[Any] | None = None) -> None:
    """Raise `SignedClaimsError` unless the JSON members of `unsecured` (no proof) are what was signed.

    `expanded` is its JSON-LD expansion when canonicalisation already computed it; otherwise (eddsa-jcs-2022,
    a document about to be issued) it is computed here, or the answer is remembered (`_JsonAnswers`).
    """
    if expanded is not None:
        check_compacted_form(unsecured)
        check_expanded_claims(unsecured, expanded)
        return
    try:
        key = hashlib.sha256(json.dumps(unsecured, ensure_ascii=False, separators=(",", ":")).encode()).digest()
    except (TypeError, ValueError, RecursionError):
        _check_json_document(unsecured)  # not plain JSON: nothing to remember it by
        return
    found, answer = _ANSWERS.get(key)
    if not found:
        try:
            _check_json_document(unsecured)
            answer = None
        except VerifyApiError as exc:
            answer = exc
        _ANSWERS.put(key, answer)
    if answer is not None:
        raise answer.with_traceback(None)


def _check_json_document(unsecured: dict[str, Any]) -> None:
    check_compacted_form(unsecured)
    check_expanded_claims(unsecured, expand_document(unsecured))


class _JsonAnswers:
    """The answer of `_check_json_document` per exact JSON text, a bounded LRU shared by the process's threads.

    The answer is a function of the JSON value alone: JSON-LD expansion reads only the document and the bundled
    contexts, which never change (`proofs.document_loader`). The key is the SHA-256 of the document's JSON text
    (Python's encoder: floats by repr, NaN and Infinity spelled out, so two different values never share a text;
    a reordered document is a miss, never a wrong hit). So a credential verified again (eddsa-jcs-2022: its
    expansion is most of the check) costs one encoding and one hash, not a JSON-LD expansion.
    """

    MAX_ENTRIES = 4096

    def __init__(self) -> None:
        self._entries: OrderedDict[bytes, VerifyApiError | None] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> tuple[bool, VerifyApiError | None]:
        with self._lock:
            if key not in self._entries:
                return False, None
            self._entries.move_to_end(key)
            return True, self._entries[key]

    def put(self, key: bytes, answer: VerifyApiError | None) -> None:
        with self._lock:
            self._entries[key] = answer
            while len(self._entries) > self.MAX_ENTRIES:
                self._entries.popitem(last=False)


_ANSWERS = _JsonAnswers()


def check_compacted_form(document: dict[str, Any]) -> None:
    """Step 1: keys are terms, and inline contexts do not alias keywords or VC terms."""
    for path, key, value in _members(document, "$"):
        if key == "@context":
            _check_inline_contexts(value, f"{path}.@context")
        elif key.startswith("@") and key not in _ALLOWED_KEYWORDS:
            alias = {"@id": "id", "@type": "type"}.get(key)
            hint = f" (the contexts define its alias {alias!r})" if alias else ""
            raise SignedClaimsError(
                f"{path} uses the keyword {key!r}{hint}; a credential must be in JSON-LD compacted form",
                path=path,
            )
        elif ":" in key:
            raise SignedClaimsError(
                f"{path} names the property {key!r} as an IRI; a credential must use the terms its contexts "
                "define (JSON-LD compacted form)",
                path=path,
            )


def check_expanded_claims(document: dict[str, Any], expanded: list[Any]) -> None:
    """Step 2: the expansion holds no relative IRI, and the claims the checks read equal the JSON members."""
    _check_absolute_iris(expanded, "$")
    if len(expanded) != 1 or not isinstance(expanded[0], dict):
        raise SignedClaimsError("the credential must be exactly one JSON-LD node object")
    node: dict[str, Any] = expanded[0]
    _require_equal("id", [node.get("@id")] if "@id" in node else [], [document["id"]] if "id" in document else [])
    types = document.get("type")
    json_types = [types] if isinstance(types, str) else list(types) if isinstance(types, list) else []
    if len(node.get("@type", [])) != len(json_types):
        raise SignedClaimsError(
            "the signed data has a different number of types than the JSON member 'type'", path="type"
        )
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    _require_equal("issuer", _ids(node.get(_ISSUER)), [] if issuer is None else [issuer_id])
    for name, iri in _DATES.items():
        signed = [v.get("@value") if isinstance(v, dict) else v for v in node.get(iri, [])]
        _require_equal(name, signed, [document[name]] if name in document else [])
    for name, iri in (("credentialStatus", _STATUS), ("credentialSubject", _SUBJECT)):
        value = document.get(name)
        items = [] if value is None else value if isinstance(value, list) else [value]
        json_ids = [item.get("id") if isinstance(item, dict) else None for item in items]
        _require_equal(name, _ids(node.get(iri)), json_ids)


def _require_equal(name: str, signed: list[Any], read: list[Any]) -> None:
    if Counter(map(repr, signed)) != Counter(map(repr, read)):
        raise SignedClaimsError(
            f"what the proof signed as {name!r} ({_show(signed)}) is not what the JSON member {name!r} says "
            f"({_show(read)}); the credential is not in JSON-LD compacted form",
            path=name,
        )


def _show(values: list[Any]) -> str:
    if not values:
        return "nothing"
    return ", ".join(repr(v) for v in values[:3]) + (" ..." if len(values) > 3 else "")


def _ids(values: object) -> list[Any]:
    if not isinstance(values, list):
        return []
    return [v.get("@id") if isinstance(v, dict) else None for v in values]


def _members(value: object, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every (path, key, value) of every object in `value`, not descending into @context."""
    stack: list[tuple[object, str]] = [(value, path)]
    while stack:
        current, where = stack.pop()
        if isinstance(current, dict):
            for key, item in current.items():
                yield where, key, item
                if key != "@context":
                    stack.append((item, f"{where}.{key}"))
        elif isinstance(current, list):
            stack.extend((item, f"{where}[{index}]") for index, item in enumerate(current))


def _check_inline_contexts(context: object, path: str) -> None:
    for entry in context if isinstance(context, list) else [context]:
        if not isinstance(entry, dict):
            continue
        for term, definition in entry.items():
            if term in ("@vocab", "@base"):
                raise SignedClaimsError(
                    f"an inline context at {path} sets {term}, which makes undefined terms look defined", path=path
                )
            if term.startswith("@"):
                continue
            target = definition.get("@id", definition.get("@reverse")) if isinstance(definition, dict) else definition
            if "@reverse" in (definition if isinstance(definition, dict) else {}):
                raise SignedClaimsError(
                    f"an inline context at {path} defines {term!r} as a reverse property", path=path
                )
            if isinstance(target, str) and target.startswith("@"):
                raise SignedClaimsError(
                    f"an inline context at {path} makes {term!r} an alias of the keyword {target!r}", path=path
                )
            if isinstance(target, str) and target.startswith((_CRED, _SEC)):
                raise SignedClaimsError(
                    f"an inline context at {path} maps {term!r} to {target!r}, a term the VC contexts already define",
                    path=path,
                )


def _check_absolute_iris(value: object, path: str) -> None:
    """A relative IRI in the expansion is an undefined term (pyld resolves it against its placeholder base)."""
    stack: list[object] = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, list):
            stack.extend(current)
        elif isinstance(current, dict):
            if "@value" in current:
                continue
            types = current.get("@type", [])
            for type_ in types if isinstance(types, list) else [types]:
                if isinstance(type_, str) and type_.startswith(DEFAULT_BASE_IRI):
                    raise SignedClaimsError(
                        f"type {type_.removeprefix(DEFAULT_BASE_IRI)!r} is not defined by any @context, so it "
                        "would be lost in JSON-LD processing",
                        path=path,
                    )
            identifier = current.get("@id")
            if isinstance(identifier, str) and identifier.startswith(DEFAULT_BASE_IRI):
                raise SignedClaimsError(
                    f"id {identifier.removeprefix(DEFAULT_BASE_IRI)!r} is a relative IRI, which JSON-LD processing "
                    "drops; use an absolute URL",
                    path=path,
                )
            stack.extend(v for k, v in current.items() if not k.startswith("@") or k in _NESTED_KEYWORDS)
