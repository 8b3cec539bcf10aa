"""The steps every Data Integrity cryptosuite shares: proof configuration, verification, proof values.

The EdDSA (https://www.w3.org/TR/vc-di-eddsa/) and ECDSA (https://www.w3.org/TR/vc-di-ecdsa/) cryptosuites
define the same algorithm outline: Verify Proof (eddsa §3.2.2/§3.3.2, ecdsa §3.2.2/§3.3.2) removes
`proofValue`, checks the proof's `@context`, runs the suite's Transformation and Proof Configuration, hashes
them, and runs Proof Verification. They differ only in those four steps, which a suite passes in as a `Suite`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, cast

from verify_api.errors import ProofError
from verify_api.proofs.multibase import decode_multibase_base58btc

if TYPE_CHECKING:
    from datetime import datetime

JsonObject = dict[str, Any]
PublicKeyResolver = Callable[[str], bytes]
Transformation = Callable[[JsonObject, JsonObject], tuple[bytes, list[Any] | None]]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
_JSON_SCALARS = frozenset({str, int, float, bool})
_T = TypeVar("_T")

# XML Schema 1.1 dateTimeStamp: a dateTime with a mandatory time zone.
_DATE_TIME_STAMP = re.compile(
    r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?|24:00:00(\.0+)?)"
    r"(Z|[+-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"
)


class SignedData(NamedTuple):
    """What a verified proof covers: the document as signed, and its JSON-LD expansion when the suite computed one
    (the rdfc suites expand it on the way to RDF; readers of the claims use it instead of expanding again)."""

    document: JsonObject
    expanded: list[Any] | None = None


class Suite(NamedTuple):
    """The four steps a cryptosuite defines for Verify Proof; the rest of the outline is shared."""

    transformation: Transformation
    proof_configuration: Callable[[JsonObject, JsonObject], bytes]
    # (transformed document, canonical proof config, public key) -> hashData
    hashing: Callable[[bytes, bytes, bytes], bytes]
    # (public key, proof bytes, hashData); raises ProofError
    proof_verification: Callable[[bytes, bytes, bytes], None]


def verify_proof_with_suite(
    unsecured_document: JsonObject, proof: JsonObject, resolve_public_key: PublicKeyResolver, suite: Suite
) -> SignedData:
    """Verify Proof, steps 1-9, as eddsa §3.2.2/§3.3.2 and ecdsa §3.2.2/§3.3.2 write it; `unsecured_document` is the
    secured document without its proof. Raises `ProofError` when the proof does not verify."""
    document = copy_json(unsecured_document)
    proof_options = {key: value for key, value in proof.items() if key != "proofValue"}
    proof_bytes = decode_proof_value(proof)
    if "@context" in proof_options:
        check_context_prefix(proof_options["@context"], document.get("@context"))
        document["@context"] = copy_json(proof_options["@context"])
    transformed_data, expanded = suite.transformation(document, proof_options)
    proof_config = suite.proof_configuration(proof_options, document)
    public_key = resolve_public_key(require_string(proof_options, "verificationMethod"))
    hash_data = suite.hashing(transformed_data, proof_config, public_key)
    suite.proof_verification(public_key, proof_bytes, hash_data)
    return SignedData(document, expanded)


def copy_json(value: _T) -> _T:
    """A deep copy of a JSON value: what `copy.deepcopy` returns for plain dicts, lists and scalars, at a fraction of
    its cost (no memo: a parsed JSON value is a tree). Anything else (a dict subclass, say) is deep-copied."""
    return cast("_T", _copied(value))


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind is dict:
        return {key: _copied(item) for key, item in value.items()}
    if kind is list:
        return [_copied(item) for item in value]
    if kind in _JSON_SCALARS or value is None:
        return value
    return copy.deepcopy(value)


def proof_config_steps(
    options: JsonObject, unsecured_document: JsonObject, cryptosuites: tuple[str, ...]
) -> JsonObject:
    """Proof Configuration steps 1-4, the same in every suite (e.g. eddsa §3.2.5, ecdsa §3.2.5): copy the options,
    check type and cryptosuite, check `created`, and give them the document's ``@context``."""
    proof_config = copy_json(options)
    check_suite(proof_config, cryptosuites)
    if "created" in proof_config:
        check_created(proof_config["created"])
    if "@context" in unsecured_document:
        proof_config["@context"] = copy_json(unsecured_document["@context"])
    else:
        proof_config.pop("@context", None)
    return proof_config


def check_suite(options: JsonObject, cryptosuites: tuple[str, ...]) -> None:
    """Raise `ProofError` unless the options are a DataIntegrityProof with one of `cryptosuites`."""
    if options.get("type") != DATA_INTEGRITY_PROOF or options.get("cryptosuite") not in cryptosuites:
        raise ProofError(
            f"proof is not a {DATA_INTEGRITY_PROOF} with cryptosuite {' or '.join(map(repr, cryptosuites))} "
            f"(type {options.get('type')!r}, cryptosuite {options.get('cryptosuite')!r})"
        )


def check_context_prefix(proof_context: object, document_context: object) -> None:
    """Verify Proof step 4.1: the document's @context must start with the proof's @context, in order."""
    proof_list = proof_context if isinstance(proof_context, list) else [proof_context]
    document_list = document_context if isinstance(document_context, list) else [document_context]
    if document_context is None or document_list[: len(proof_list)] != proof_list:
        raise ProofError("proof @context does not match the start of the document's @context")


def require_string(proof: JsonObject, name: str) -> str:
    """Return proof[name], or raise `ProofError` if it is missing or not a string."""
    value = proof.get(name)
    if value is None:
        raise ProofError(f"proof has no {name}")
    if not isinstance(value, str):
        raise ProofError(f"proof {name} must be a string")
    return value


def check_created(value: object) -> None:
    """Reject a `created` (or `expires`) value that is not an XML Schema 1.1 dateTimeStamp."""
    if not isinstance(value, str) or not _DATE_TIME_STAMP.fullmatch(value):
        raise ProofError(f"proof created value {value!r} is not an XML Schema dateTimeStamp (with time zone)")


def format_created(value: datetime) -> str:
    """Format an aware datetime as an XML Schema dateTimeStamp in UTC: ``2023-02-24T23:36:38Z``
    (fractional seconds appear only when the datetime has microseconds)."""
    if value.utcoffset() is None:
        raise ProofError("created must be a timezone-aware datetime")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def decode_proof_value(proof: JsonObject) -> bytes:
    """Decode the base58btc multibase ``proofValue`` of a proof."""
    value = require_string(proof, "proofValue")
    try:
        return decode_multibase_base58btc(value)
    except ProofError as exc:
        raise ProofError(f"proofValue is not valid multibase base58btc: {exc.detail}") from exc
