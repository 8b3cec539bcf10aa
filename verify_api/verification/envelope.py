"""Envelopes: a credential or presentation secured by an enveloping mechanism (a JWT), carried in a `data:` URL.

VC Data Model 2.0 §4.13.1 Enveloped Verifiable Credentials and §4.13.2 Enveloped Verifiable Presentations
(https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-credentials,
https://www.w3.org/TR/vc-data-model-2.0/#enveloped-verifiable-presentations): `@context` MUST be present and
include a context defining the envelope's terms (the base context), `id` MUST be a `data:` URL (RFC 2397) holding
the secured document, `type` MUST be EnvelopedVerifiableCredential (EnvelopedVerifiablePresentation).
VC-JOSE-COSE §3.1 names the media types `application/vc+jwt` and `application/vp+jwt`, §3.2.1
`application/vc+sd-jwt`; the VC Data Model suite writes `data:application/jwt,...`, which names the same compact JWT
(its `typ` header says which kind it is).
"""

from __future__ import annotations

from typing import Literal

from verify_api.errors import InvalidCredentialError

Kind = Literal["vc", "vp"]
ENVELOPE_TYPE: dict[Kind, str] = {"vc": "EnvelopedVerifiableCredential", "vp": "EnvelopedVerifiablePresentation"}
SD_JWT_DATA_URL_PREFIX = "data:application/vc+sd-jwt,"
# The data: URL prefixes each kind's JWT (or SD-JWT) may come under.
DATA_URL_PREFIXES: dict[Kind, tuple[str, ...]] = {
    "vc": ("data:application/vc+jwt,", "data:application/jwt,", SD_JWT_DATA_URL_PREFIX),
    "vp": ("data:application/vp+jwt,", "data:application/jwt,"),
}
_ENVELOPE_MEMBERS = frozenset({"@context", "id", "type"})
_VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def envelope_types(value: dict[str, object]) -> set[str]:
    types = value.get("type")
    items = [types] if isinstance(types, str) else types if isinstance(types, list) else []
    return {t for t in items if isinstance(t, str)}


def is_envelope(value: object, kind: Kind) -> bool:
    return isinstance(value, dict) and ENVELOPE_TYPE[kind] in envelope_types(value)


def open_envelope(value: dict[str, object], kind: Kind) -> str:
    """The compact JWT an envelope carries; `InvalidCredentialError` when the envelope breaks §4.13.1 / §4.13.2.

    The envelope is `@context`, `id` and `type` only: any other member sits outside what the JWT secures, an
    unsigned claim a reader could take for a signed one, so it is refused rather than ignored."""
    name = ENVELOPE_TYPE[kind]
    context = value.get("@context")
    contexts = context if isinstance(context, list) else [context]
    if context is None:
        raise InvalidCredentialError(f"an {name} must have an @context (VC Data Model 2.0 §4.13)")
    if not all(isinstance(c, str | dict) for c in contexts) or _VC_V2_CONTEXT not in contexts:
        raise InvalidCredentialError(f"an {name}'s @context must include {_VC_V2_CONTEXT} (VC Data Model 2.0 §4.13)")
    extra = sorted(set(value) - _ENVELOPE_MEMBERS)
    if extra:
        raise InvalidCredentialError(
            f"an {name} carries only @context, id and type; {', '.join(extra)} would be unsecured claims beside the JWT"
        )
    url = value.get("id")
    prefix = next((p for p in DATA_URL_PREFIXES[kind] if isinstance(url, str) and url.startswith(p)), None)
    if prefix is None or not isinstance(url, str):
        wanted = " or ".join(repr(p) for p in DATA_URL_PREFIXES[kind])
        raise InvalidCredentialError(f"an {name}'s id must be a data: URL starting with {wanted}")
    return url.removeprefix(prefix)


def enveloped(token: str, kind: Kind) -> dict[str, object]:
    """The envelope of a compact JWT, as §4.13.1 / §4.13.2 write it."""
    return {"@context": _VC_V2_CONTEXT, "type": ENVELOPE_TYPE[kind], "id": DATA_URL_PREFIXES[kind][0] + token}
