"""The VC Data Model 2.0 MUSTs an issuer or a verifier can check on the document alone, one function per section.

https://www.w3.org/TR/vc-data-model-2.0/: §4.10 Status (`credentialStatus.id`, when present, is a URL), §4.11 Data
Schemas (each `credentialSchema` has a `type` and an `id` that is a URL), §5.3 Integrity of Related Resources
(`relatedResource`: objects with a unique `id` and a `digestSRI` or `digestMultibase`; a digest that does not match
the resource is an error), §5.4 Refreshing (each `refreshService` has a `type`), §5.5 Terms of Use (each
`termsOfUse` has a `type`), §5.6 Evidence (each `evidence` has a `type`).

`check_data_model` raises `InvalidCredentialError` naming the section; `read_credential_shape` calls it, so the VC
API issuer refuses such a credential and every verifier reports it as a failed format check. Related resources are
checked against the bundled copies of what they name (the JSON-LD contexts in proofs/contexts/); nothing is ever
fetched, so a resource we hold no copy of is returned by `unchecked_related_resources` for a "could not check".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from typing import Any

from verify_api.errors import InvalidCredentialError, ProofError, UnknownContextError
from verify_api.proofs.document_loader import bundled_context_bytes
from verify_api.proofs.multibase import decode_base58btc, decode_base64url

# SRI §3.5 hash-expression algorithms (https://www.w3.org/TR/SRI/#the-integrity-attribute), by strength.
_SRI_ALGORITHMS = ("sha256", "sha384", "sha512")
# Multihash codes (https://github.com/multiformats/multicodec) of the hashes a digestMultibase may carry.
_MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512"}
# A bare digest (no multihash header), as the W3C VC 2.0 test suite and some issuers write it, by its length.
_BARE_DIGEST = {32: "sha256", 48: "sha384", 64: "sha512"}
_MAX_DIGESTS = 8
_MAX_RESOURCES = 64


def check_data_model(document: dict[str, Any]) -> None:
    """Every document-level VC 2.0 MUST below; raise `InvalidCredentialError` for the first one broken."""
    check_status_identifiers(document.get("credentialStatus"))
    check_data_schemas(document.get("credentialSchema"))
    check_related_resources(document.get("relatedResource"))
    check_refresh_services(document.get("refreshService"))
    check_terms_of_use(document.get("termsOfUse"))
    check_evidence(document.get("evidence"))


def _objects(value: object, name: str, section: str) -> list[dict[str, Any]]:
    """One object or a non-empty list of objects (absent: none)."""
    if value is None:
        return []
    items: list[object] = value if isinstance(value, list) else [value]
    objects = [item for item in items if isinstance(item, dict)]
    if not objects or len(objects) != len(items):
        raise InvalidCredentialError(f"{name} must be an object or a non-empty list of objects ({section})", path=name)
    return objects


def _require_type(value: object, name: str, section: str) -> list[dict[str, Any]]:
    items = _objects(value, name, section)
    for index, item in enumerate(items):
        types = item.get("type")
        types = [types] if isinstance(types, str) else types
        if not isinstance(types, list) or not types or not all(isinstance(t, str) and t for t in types):
            raise InvalidCredentialError(
                f"each {name} value MUST specify its type ({section}); entry {index} has none", path=f"{name}.type"
            )
    return items


def _is_url(value: object) -> bool:
    """VC 2.0 §4.4 Identifiers: a URL (any scheme, as `did:` and `urn:` are), never a bare word or a blank node."""
    if not isinstance(value, str) or value.startswith("_:") or any(ch.isspace() for ch in value):
        return False
    scheme, colon, rest = value.partition(":")
    return bool(colon and rest and scheme[:1].isalpha() and all(c.isalnum() or c in "+-." for c in scheme))


def check_status_identifiers(value: object) -> None:
    """§4.10 Status: `credentialStatus.id`, if present, follows §4.4 Identifiers (a URL)."""
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, dict) and "id" in entry and not _is_url(entry["id"]):
            raise InvalidCredentialError(
                "credentialStatus.id must be a URL (VC Data Model 2.0 §4.10 Status, §4.4 Identifiers)",
                path="credentialStatus.id",
            )


def check_data_schemas(value: object) -> None:
    """§4.11 Data Schemas: each `credentialSchema` specifies its `type` and an `id` that is a URL."""
    for schema in _require_type(value, "credentialSchema", "VC Data Model 2.0 §4.11 Data Schemas"):
        if not _is_url(schema.get("id")):
            raise InvalidCredentialError(
                "each credentialSchema MUST have an id that is a URL (VC Data Model 2.0 §4.11 Data Schemas)",
                path="credentialSchema.id",
            )


def check_refresh_services(value: object) -> None:
    """§5.4 Refreshing: each `refreshService` value specifies its type."""
    _require_type(value, "refreshService", "VC Data Model 2.0 §5.4 Refreshing")


def check_terms_of_use(value: object) -> None:
    """§5.5 Terms of Use: each `termsOfUse` value specifies its type."""
    _require_type(value, "termsOfUse", "VC Data Model 2.0 §5.5 Terms of Use")


def check_evidence(value: object) -> None:
    """§5.6 Evidence: each `evidence` value specifies its type."""
    _require_type(value, "evidence", "VC Data Model 2.0 §5.6 Evidence")


_RELATED = "VC Data Model 2.0 §5.3 Integrity of Related Resources"


def check_related_resources(value: object) -> None:
    """§5.3: one or more objects, each with an `id` (a URL, unique in the list) and a `digestSRI` or
    `digestMultibase`; every digest of a resource we hold a copy of must match that copy."""
    resources = _objects(value, "relatedResource", _RELATED)
    if len(resources) > _MAX_RESOURCES:
        raise InvalidCredentialError(
            f"relatedResource lists more than {_MAX_RESOURCES} resources ({_RELATED})", path="relatedResource"
        )
    seen: set[str] = set()
    for resource in resources:
        identifier = resource.get("id")
        if not _is_url(identifier):
            raise InvalidCredentialError(
                f"each relatedResource MUST have an id that is a URL ({_RELATED})", path="relatedResource.id"
            )
        assert isinstance(identifier, str)
        if identifier in seen:
            raise InvalidCredentialError(
                f"relatedResource id {identifier[:200]!r} is listed twice; ids MUST be unique ({_RELATED})",
                path="relatedResource.id",
            )
        seen.add(identifier)
        if "digestSRI" not in resource and "digestMultibase" not in resource:
            raise InvalidCredentialError(
                f"relatedResource {identifier[:200]!r} has neither digestSRI nor digestMultibase ({_RELATED})",
                path="relatedResource",
            )
        expected = _expected_digests(resource)
        held = _held_copy(identifier)
        if held is not None and not any(hmac.compare_digest(hashlib.new(alg, held).digest(), d) for alg, d in expected):
            raise InvalidCredentialError(
                f"the digest of relatedResource {identifier[:200]!r} does not match the resource ({_RELATED}); "
                "it was computed over the bundled copy of that document",
                path="relatedResource",
            )


def unchecked_related_resources(document: dict[str, Any]) -> tuple[str, ...]:
    """The related resources (already checked well-formed) that PAI Verify holds no copy of, so their digests could
    not be checked: remote documents are never fetched."""
    value = document.get("relatedResource")
    items = value if isinstance(value, list) else [] if value is None else [value]
    return tuple(
        r["id"] for r in items if isinstance(r, dict) and isinstance(r.get("id"), str) and _held_copy(r["id"]) is None
    )


def related_resource_ids(document: dict[str, Any]) -> tuple[str, ...]:
    value = document.get("relatedResource")
    items = value if isinstance(value, list) else [] if value is None else [value]
    return tuple(r["id"] for r in items if isinstance(r, dict) and isinstance(r.get("id"), str))


def _held_copy(url: str) -> bytes | None:
    """The exact bytes we hold for `url`: the bundled JSON-LD contexts (proofs/contexts/PROVENANCE.md)."""
    try:
        return bundled_context_bytes(url)
    except UnknownContextError:
        return None


def _expected_digests(resource: dict[str, Any]) -> list[tuple[str, bytes]]:
    """Every (algorithm, digest) the resource object states. A resource matches when any stated digest of the
    strongest algorithm stated matches (SRI §3.3.4 "Get the strongest metadata"), across both members."""
    found: list[tuple[str, bytes]] = []
    if "digestSRI" in resource:
        found += [parse_sri(token) for text in _strings(resource["digestSRI"], "digestSRI") for token in text.split()]
    if "digestMultibase" in resource:
        found += [parse_digest_multibase(value) for value in _strings(resource["digestMultibase"], "digestMultibase")]
    if not found or len(found) > _MAX_DIGESTS:
        raise InvalidCredentialError(
            f"relatedResource states no digest, or more than {_MAX_DIGESTS} ({_RELATED})", path="relatedResource"
        )
    strongest = max(_SRI_ALGORITHMS.index(alg) for alg, _ in found)
    return [(alg, digest) for alg, digest in found if _SRI_ALGORITHMS.index(alg) == strongest]


def _strings(value: object, name: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(i, str) and i.strip() for i in items):
        raise InvalidCredentialError(
            f"relatedResource.{name} must be a string or a list of strings ({_RELATED})", path=f"relatedResource.{name}"
        )
    return [str(i) for i in items]


def parse_sri(token: str) -> tuple[str, bytes]:
    """SRI §3.5 hash-expression `<alg>-<base64>` (options after `?` are ignored, as SRI says); standard base64."""
    algorithm, dash, value = token.partition("-")
    value = value.split("?", 1)[0]
    if not dash or algorithm not in _SRI_ALGORITHMS:
        raise InvalidCredentialError(
            f"digestSRI {token[:80]!r} is not an SRI hash expression (sha256-, sha384- or sha512- and base64; "
            f"{_RELATED})",
            path="relatedResource.digestSRI",
        )
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != hashlib.new(algorithm).digest_size:
        raise InvalidCredentialError(
            f"digestSRI {token[:80]!r} is not a base64 {algorithm} digest ({_RELATED})",
            path="relatedResource.digestSRI",
        )
    return algorithm, digest


def parse_digest_multibase(value: str) -> tuple[str, bytes]:
    """VC Data Integrity §2.6 Resource Integrity: a multibase (`u` base64url, `z` base58btc) multihash. A bare
    digest without the multihash header is read by its length as SHA-2 (the W3C VC 2.0 test suite writes that)."""
    raw = _multibase_bytes(value)
    if len(raw) >= 2 and raw[0] in _MULTIHASH:
        algorithm = _MULTIHASH[raw[0]]
        if raw[1] == hashlib.new(algorithm).digest_size and len(raw) == raw[1] + 2:
            return algorithm, raw[2:]
    if len(raw) in _BARE_DIGEST:
        return _BARE_DIGEST[len(raw)], raw
    raise InvalidCredentialError(
        f"digestMultibase {value[:80]!r} is not a multibase SHA-2 multihash ({_RELATED})",
        path="relatedResource.digestMultibase",
    )


def _multibase_bytes(value: str) -> bytes:
    prefix, body = value[:1], value[1:]
    try:
        if prefix == "u":
            return decode_base64url(body)
        if prefix == "z":
            return decode_base58btc(body)
    except ProofError:
        pass
    raise InvalidCredentialError(
        f"digestMultibase {value[:80]!r} is not multibase base64url (u...) or base58btc (z...) ({_RELATED})",
        path="relatedResource.digestMultibase",
    )
