"""Is this a well-formed VC 2.0 (or 1.1) / Open Badges 3.0 credential? Read the members every later check needs.

VC Data Model 2.0 §4 "Basic Concepts" (https://www.w3.org/TR/vc-data-model-2.0/#basic-concepts): `@context`
(§4.3), `id` (§4.4), `type` (§4.5), `issuer` (§4.7), `credentialSubject` (§4.8), `validFrom`/`validUntil` (§4.9),
`credentialStatus` (§4.10). VC Data Model 1.1 (https://www.w3.org/TR/vc-data-model-1.1/) uses `issuanceDate`
(required) and `expirationDate` instead. Open Badges 3.0 §8 (https://www.imsglobal.org/spec/ob/v3p0/) adds its
context and the `OpenBadgeCredential`/`AchievementCredential` types.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

import msgspec

from verify_api.errors import InvalidCredentialError
from verify_api.proofs.document_loader import bundled_context_files
from verify_api.verification.data_model import check_data_model, related_resource_ids, unchecked_related_resources

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
OB_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"})
OB_CONTEXT_MARKERS = ("purl.imsglobal.org/spec/ob/v3p0", "imsglobal.github.io/openbadges-specification")
MAX_VALUES = 5_000  # every JSON value outside @context
MAX_BLANK_NODES = 100  # objects without an id, @list items: what RDF canonicalisation must label
MAX_DEPTH = 32


class CredentialShape(msgspec.Struct, frozen=True, kw_only=True):
    version: Literal["1.1", "2.0"]
    types: tuple[str, ...]
    credential_id: str | None
    issuer_id: str
    issuer_name: str | None
    valid_from: datetime | None
    valid_until: datetime | None
    status_entries: tuple[dict[str, Any], ...]
    is_open_badge: bool
    # relatedResource ids (VC 2.0 §5.3), and those of them PAI Verify holds no copy of (digest not checked)
    related_resources: tuple[str, ...] = ()
    unchecked_related_resources: tuple[str, ...] = ()

    def describe(self) -> str:
        kind = "Open Badges 3.0 credential" if self.is_open_badge else "verifiable credential"
        return f"a well-formed VC {self.version} {kind}"


def read_credential_shape(document: object, *, require_known_contexts: bool = True) -> CredentialShape:
    """Check the data-model rules and return what later checks need; raise `InvalidCredentialError` naming the member.

    With `require_known_contexts`, every context URL must be bundled: remote contexts are never fetched, and an
    unknown one would leave the document's meaning unknown.
    """
    if not isinstance(document, dict):
        raise InvalidCredentialError("the credential must be a JSON object", path="$")
    check_structure_limits(document)
    version = _context_version(document.get("@context"), require_known_contexts)
    types = _string_set(document.get("type"), "type")
    if "VerifiableCredential" not in types:
        raise InvalidCredentialError("type must include 'VerifiableCredential'", path="type")
    credential_id = document.get("id")
    if credential_id is not None and not _is_url(credential_id):
        raise InvalidCredentialError("id must be a URL", path="id")
    issuer_id, issuer_name = _issuer(document.get("issuer"))
    _subject(document.get("credentialSubject"))
    if version == "2.0":
        valid_from = _date(document, "validFrom", required=False)
        valid_until = _date(document, "validUntil", required=False)
    else:
        valid_from = _date(document, "issuanceDate", required=True)
        valid_until = _date(document, "expirationDate", required=False)
    if valid_from is not None and valid_until is not None and valid_until < valid_from:
        raise InvalidCredentialError("the credential expires before it becomes valid", path="validUntil")
    check_data_model(document)  # the VC 2.0 MUSTs on status ids, schemas, related resources, refresh, terms, evidence
    is_open_badge = bool(OB_TYPES & set(types))
    contexts = document["@context"] if isinstance(document["@context"], list) else [document["@context"]]
    if is_open_badge and not any(isinstance(c, str) and any(m in c for m in OB_CONTEXT_MARKERS) for c in contexts):
        raise InvalidCredentialError("an Open Badges credential must include the Open Badges 3.0 context")
    return CredentialShape(
        version=version,
        types=tuple(types),
        credential_id=credential_id,
        issuer_id=issuer_id,
        issuer_name=issuer_name,
        valid_from=valid_from,
        valid_until=valid_until,
        status_entries=_status_entries(document.get("credentialStatus")),
        is_open_badge=is_open_badge,
        related_resources=related_resource_ids(document),
        unchecked_related_resources=unchecked_related_resources(document),
    )


def check_structure_limits(document: object) -> None:
    """Hostile-input caps, checked before canonicalisation, whose cost grows with the size (and worse with blank nodes).

    Counts every JSON value (objects, list items, strings, numbers, booleans, nulls), and separately the values
    that become blank nodes in RDF: objects without an ``id``/``@id`` and the items of an ``@list`` (each list
    item is one ``rdf:first``/``rdf:rest`` node). Inline `@context` objects count as values, not as nodes. A blank
    node identifier used as an id is refused outright (see `_refuse_blank_node_identifier`).
    """
    values = 0
    blank_nodes = 0
    stack: list[tuple[object, int, bool]] = [(document, 0, False)]
    while stack:
        value, depth, in_context = stack.pop()
        values += 1
        if values > MAX_VALUES:
            raise InvalidCredentialError(f"the document has more than {MAX_VALUES} values")
        if depth > MAX_DEPTH:
            raise InvalidCredentialError(f"the document nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            if not in_context and _is_blank_node(value):
                blank_nodes += 1
                _refuse_blank_node_identifier(value)
            items = value.get("@list")
            if not in_context and isinstance(items, list):
                blank_nodes += len(items)
            stack.extend((v, depth + 1, in_context or k == "@context") for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, depth + 1, in_context) for v in value)
        if blank_nodes > MAX_BLANK_NODES:
            raise InvalidCredentialError(
                f"the document has more than {MAX_BLANK_NODES} blank nodes (objects without an id, list items)"
            )


def _refuse_blank_node_identifier(node: dict[str, Any]) -> None:
    """VC 2.0 §4.4: an id is a URL. A blank node identifier (``_:b0``) is not, and it is what lets a document tie
    blank nodes into the cycles that make RDF canonicalisation exponential (poison graphs, RDFC-1.0 §7)."""
    identifier = node.get("id", node.get("@id"))
    if isinstance(identifier, str) and identifier.startswith("_:"):
        raise InvalidCredentialError(
            f"id {identifier[:40]!r} is a blank node identifier, not a URL (VC Data Model 2.0 §4.4)", path="id"
        )


def _is_blank_node(node: dict[str, Any]) -> bool:
    if "@value" in node:
        return False
    identifier = node.get("id", node.get("@id"))
    return not isinstance(identifier, str) or identifier.startswith("_:")


def parse_date_time_stamp(value: object, name: str) -> datetime:
    """An XML Schema dateTimeStamp (VC 2.0 §4.9): an ISO 8601 date-time with a time zone."""
    if not isinstance(value, str) or "T" not in value:
        raise InvalidCredentialError(f"{name} must be a date-time string such as 2026-01-01T00:00:00Z", path=name)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidCredentialError(f"{name} {value!r} is not a valid date-time", path=name) from None
    if parsed.tzinfo is None:
        raise InvalidCredentialError(f"{name} {value!r} has no time zone (add Z or an offset)", path=name)
    return parsed


def _context_version(context: object, require_known: bool) -> Literal["1.1", "2.0"]:
    if isinstance(context, str):
        context = [context]
    if not isinstance(context, list) or not context:
        raise InvalidCredentialError("@context must be a non-empty list", path="@context")
    if context[0] == VC_V2_CONTEXT:
        version: Literal["1.1", "2.0"] = "2.0"
    elif context[0] == VC_V1_CONTEXT:
        version = "1.1"
    else:
        raise InvalidCredentialError(
            f"the first @context must be {VC_V2_CONTEXT} (VC 2.0) or {VC_V1_CONTEXT} (VC 1.1), found {context[0]!r}",
            path="@context",
        )
    for item in context:
        if not isinstance(item, str | dict):
            raise InvalidCredentialError("each @context entry must be a URL or an object", path="@context")
        if require_known and isinstance(item, str) and item not in bundled_context_files():
            raise InvalidCredentialError(
                f"JSON-LD context {item!r} is not bundled; remote contexts are never fetched", path="@context"
            )
    return version


def _string_set(value: object, name: str) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items or not all(isinstance(i, str) and i for i in items):
        raise InvalidCredentialError(f"{name} must be a string or a non-empty list of strings", path=name)
    return list(items)


def _issuer(value: object) -> tuple[str, str | None]:
    if isinstance(value, str) and _is_url(value):
        return value, None
    if isinstance(value, dict) and _is_url(value.get("id")):
        name = value.get("name")
        return str(value["id"]), name if isinstance(name, str) else None
    raise InvalidCredentialError("issuer must be a URL or an object whose id is a URL", path="issuer")


def _subject(value: object) -> None:
    subjects = value if isinstance(value, list) else [value]
    if not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise InvalidCredentialError(
            "credentialSubject must be an object or a non-empty list of objects", path="credentialSubject"
        )


def _date(document: dict[str, Any], name: str, *, required: bool) -> datetime | None:
    if name not in document:
        if required:
            raise InvalidCredentialError(f"{name} is required", path=name)
        return None
    return parse_date_time_stamp(document[name], name)


def _status_entries(value: object) -> tuple[dict[str, Any], ...]:
    if value is None:
        return ()
    entries = value if isinstance(value, list) else [value]
    if not all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in entries):
        raise InvalidCredentialError(
            "each credentialStatus entry must be an object with a type", path="credentialStatus"
        )
    return tuple(entries)


def _is_url(value: object) -> bool:
    return isinstance(value, str) and ":" in value and not any(ch.isspace() for ch in value)
