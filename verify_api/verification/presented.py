"""What was presented, and how to read it: the one place that turns request bytes into a credential to check.

Input kinds, by Content-Type: JSON with an embedded proof; a compact JWT (VC-JOSE `vc+jwt`, or the Open Badges
3.0 / VC-JWT 1.1 form whose payload has a `vc` claim); an SD-JWT (`vc+sd-jwt`, VC-JOSE-COSE §3.2.1: its Disclosures
processed as RFC 9901 §7.1 says, the result being the credential the checks read); a baked badge image (PNG or
SVG, Open Badges 3.0 §5.3 "Baking"); or a form upload (`multipart/form-data` with a `file` part or a `credential`
text field). A new input kind is one more branch in `decode_presented` (binary) or `_from_text` (text).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from python_multipart.multipart import MultipartParser, parse_options_header

from verify_api.badges.baking import unbake_badge
from verify_api.badges.limits import DEFAULT_LIMITS
from verify_api.badges.png_baking import PNG_SIGNATURE
from verify_api.errors import (
    InvalidCredentialError,
    MalformedJsonError,
    ProofError,
    UnsupportedMediaTypeError,
    VerifyApiError,
)
from verify_api.proofs.jose import check_typ_and_cty, is_presentation_jwt
from verify_api.proofs.jws import CompactJws, split_compact_jws
from verify_api.proofs.sd_jwt import (
    check_sd_jwt_typing,
    is_sd_jwt,
    process_disclosures,
    split_sd_jwt,
)
from verify_api.strict_json import parse_strict_json
from verify_api.verification.envelope import SD_JWT_DATA_URL_PREFIX, enveloped, is_envelope, open_envelope

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks  # a TypedDict defined for type checkers only

    from verify_api.proofs.sd_jwt import DisclosedClaim, KeyBindingAsk, SdJwt

JSON_TYPES = ("application/json", "application/vc", "application/ld+json", "application/vc+ld+json")
JWT_TYPES = (
    "application/vc+jwt",
    "application/vp+jwt",
    "application/jwt",
    "application/vc+sd-jwt",
    "application/sd-jwt",
    "text/plain",
)
IMAGE_TYPES = ("image/png", "image/svg+xml")
FORM_TYPE = "multipart/form-data"
# Images that never carry a baked credential: read only for their QR code (services/qr_image).
PHOTO_TYPES = ("image/jpeg", "image/webp", "image/gif")
ACCEPTED_MEDIA_TYPES = (*JSON_TYPES, *JWT_TYPES, *IMAGE_TYPES, *PHOTO_TYPES, FORM_TYPE)
# The magic numbers of PHOTO_TYPES, to know an uploaded file part by its bytes: JPEG SOI, GIF87a/89a, RIFF (WebP).
PHOTO_SIGNATURES = (b"\xff\xd8\xff", b"GIF8", b"RIFF")
MAX_CREDENTIAL_BYTES = DEFAULT_LIMITS.max_credential_bytes
_MAX_FORM_PARTS = 8


@dataclass(frozen=True)
class PresentedSdJwt:
    """An SD-JWT as presented (RFC 9901 §4): its parts, the payload the Issuer signed (what the register keeps), the
    Disclosures that rebuilt the credential, or `problem`: why RFC 9901 §7.1 rejects them, reported as a failed
    proof once the Issuer's signature has been checked (`verification.securing`)."""

    parts: SdJwt
    signed_payload: dict[str, Any]
    sd_alg: str
    disclosed: tuple[DisclosedClaim, ...] = ()
    problem: str | None = None


@dataclass(frozen=True)
class Presented:
    """A presented credential: its container, and either the document (plus its JWS envelope) or why not."""

    container: str  # "JSON", "JWT", "PNG badge", "SVG badge"
    document: dict[str, Any] | None = None
    jws: CompactJws | None = None
    error: str | None = None
    # A presentation (JSON, or a vp+jwt as its EnvelopedVerifiablePresentation): the caller checks it and then
    # each credential inside (`verification.presentation`).
    presentation: dict[str, Any] | None = None
    # An uploaded image with no credential inside (a plain PNG, a photo): services/qr_image reads its QR code.
    image: bytes | None = None
    # An SD-JWT (`jws` is its Issuer-signed JWT, `document` the Processed SD-JWT Payload), and what the verifier asks
    # of its Key Binding JWT.
    sd_jwt: PresentedSdJwt | None = None
    key_binding: KeyBindingAsk | None = None


def media_type_of(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def decode_presented(body: bytes, content_type: str) -> Presented:
    """Read `body` as the Content-Type says; raise `UnsupportedMediaTypeError` for any type not listed."""
    media = media_type_of(content_type)
    if media in JSON_TYPES:
        return _from_text(_utf8(body), "JSON")
    if media in JWT_TYPES:
        return _from_text(_utf8(body), "JWT")
    if media in IMAGE_TYPES:
        return _from_badge(body, "PNG badge" if media == "image/png" else "SVG badge")
    if media == FORM_TYPE:
        return _from_form(body, content_type)
    raise UnsupportedMediaTypeError(media, ACCEPTED_MEDIA_TYPES)


def decode_credential_object(value: object, container: str = "JSON") -> Presented:
    """A credential already decoded from JSON: an object with an embedded proof, or a VC 2.0 §4.13.1
    EnvelopedVerifiableCredential whose `id` is a `data:application/vc+jwt,...` URL, or a compact JWT string; or a
    presentation (§4.13, or an §4.13.2 EnvelopedVerifiablePresentation), returned as such for the caller to check.

    A JSON string holding JSON text is not a credential (a second, unsigned layer of encoding the W3C suites
    call a PARSING_ERROR): it is refused rather than parsed.
    """
    if isinstance(value, str):
        if value.lstrip().startswith(("{", "[")):
            return Presented(container, error="the credential is a JSON string holding JSON text, not a JSON object")
        return _from_text(value, container)
    if not isinstance(value, dict):
        return Presented(container, error="the credential must be a JSON object or a compact JWT")
    if is_envelope(value, "vp") or "VerifiablePresentation" in _types(value):
        return Presented(container, presentation=value)
    if is_envelope(value, "vc"):
        try:
            token = open_envelope(value, "vc")
        except InvalidCredentialError as exc:
            return Presented(container, error=exc.detail)
        sd_url = str(value.get("id")).startswith(SD_JWT_DATA_URL_PREFIX)
        if sd_url != is_sd_jwt(token):
            wanted = (
                "an SD-JWT ('<JWT>~<Disclosure>~...~')" if sd_url else "a JWT (an SD-JWT's media type is vc+sd-jwt)"
            )
            return Presented(container, error=f"the EnvelopedVerifiableCredential's data: URL must hold {wanted}")
        return _from_sd_jwt(token, "enveloped SD-JWT") if sd_url else _from_jwt(token, "enveloped JWT")
    return Presented(container, document=value)


def _from_text(text: str | None, container: str) -> Presented:
    if text is None:
        return Presented(container, error="the body is not UTF-8 text")
    text = text.strip().lstrip("\ufeff")
    if len(text.encode()) > MAX_CREDENTIAL_BYTES:
        return Presented(container, error=f"the credential is larger than {MAX_CREDENTIAL_BYTES} bytes")
    if text.startswith("{"):
        try:
            value = parse_strict_json(text, what="the credential")
        except MalformedJsonError as exc:
            return Presented(container, error=exc.detail)
        return decode_credential_object(value, container)
    if is_sd_jwt(text) and " " not in text:  # <Issuer-signed JWT>~<Disclosure>~...~[<KB-JWT>]
        return _from_sd_jwt(text, "SD-JWT" if container == "JWT" else f"{container} (SD-JWT)")
    if text.count(".") == 2 and " " not in text:  # header.payload.signature
        return _from_jwt(text, container, allow_presentation=True)
    return Presented(container, error="the body is neither a JSON credential nor a compact JWT")


def _from_jwt(token: str, container: str, *, allow_presentation: bool = False) -> Presented:
    """A compact JWT securing a credential; with `allow_presentation` (a bare JWT, not one inside an
    EnvelopedVerifiableCredential, which holds a credential only) one securing a presentation is returned as such."""
    try:
        jws = split_compact_jws(token)
        if allow_presentation and is_presentation_jwt(jws):  # vp+jwt (VC-JOSE-COSE §3.1.2), VC-JWT 1.1 `vp` claim
            return Presented(container, presentation=enveloped(token, "vp"))
        check_typ_and_cty(jws.header, jws.payload, "vc")
    except ProofError as exc:
        return Presented(container, error=f"the JWT cannot be read: {exc.detail}")
    payload = jws.payload
    document = payload.get("vc") if isinstance(payload.get("vc"), dict) else payload
    return Presented(container, document=document, jws=jws)


def _from_sd_jwt(text: str, container: str) -> Presented:
    """An SD-JWT securing a credential (VC-JOSE-COSE §3.2.1): split (RFC 9901 §7.1 step 1), typed, and its
    Disclosures processed (steps 2.5 to 5). When they are refused, the credential the checks read is the payload
    processed with none of them, and the refusal waits for the signature check, which reports it."""
    try:
        parts = split_sd_jwt(text)
        jws = split_compact_jws(parts.issuer_jwt)
        check_sd_jwt_typing(jws.header, jws.payload)
        withheld = process_disclosures(jws.payload, [])
    except ProofError as exc:
        return Presented(container, error=f"the SD-JWT cannot be read: {exc.detail}")
    try:
        processed = process_disclosures(jws.payload, parts.disclosures)
    except ProofError as exc:
        sd_jwt = PresentedSdJwt(parts, jws.payload, withheld.sd_alg, problem=exc.detail)
        return Presented(container, document=withheld.claims, jws=jws, sd_jwt=sd_jwt)
    sd_jwt = PresentedSdJwt(parts, jws.payload, processed.sd_alg, processed.disclosed)
    return Presented(container, document=processed.claims, jws=jws, sd_jwt=sd_jwt)


def _from_badge(data: bytes, container: str) -> Presented:
    try:
        baked = unbake_badge(data)
    except VerifyApiError as exc:
        return Presented(container, error=exc.detail)
    inner = _from_text(baked, container)
    if inner.jws is not None and inner.sd_jwt is None:
        return replace(inner, container=f"{container} (JWT)")
    return inner


def _from_form(body: bytes, content_type: str) -> Presented:
    parts = _form_parts(body, content_type)
    if parts is None:
        return Presented("form upload", error="the form upload cannot be read (malformed multipart body)")
    if "file" in parts and parts["file"].strip():
        data = parts["file"]
        head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
        if data.startswith(PNG_SIGNATURE):
            badge = _from_badge(data, "PNG badge")
            return badge if badge.document is not None else replace(badge, image=data)
        if data.startswith(PHOTO_SIGNATURES):  # JPEG, GIF, WebP: never baked, only a QR code can say anything
            return Presented("uploaded image", error="the image carries no credential", image=data)
        if head.startswith(b"<"):
            return _from_badge(data, "SVG badge")
        return _from_text(_utf8(data), "uploaded file")
    if "credential" in parts and parts["credential"].strip():
        return _from_text(_utf8(parts["credential"]), "form field")
    return Presented("form upload", error="the form has neither a 'file' upload nor a 'credential' field")


# C901: multipart/form-data parsing (RFC 7578) with a bound on each part; splitting it would scatter the limits
def _form_parts(body: bytes, content_type: str) -> dict[str, bytes] | None:  # noqa: C901
    """Parse multipart/form-data (RFC 7578) into {field name: bytes}, keeping the first of each name."""
    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary")
    if not boundary:
        return None
    parts: dict[str, bytes] = {}
    current: dict[str, Any] = {}
    count = 0

    def on_part_begin() -> None:
        nonlocal count
        count += 1
        current.clear()
        current.update(name=b"", header=b"", value=b"", chunks=[])

    def on_header_field(data: bytes, start: int, end: int) -> None:
        current["name"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        current["value"] += data[start:end]

    def on_header_end() -> None:
        if current["name"].lower() == b"content-disposition":
            current["header"] = current["value"]
        current["name"], current["value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current["chunks"].append(data[start:end])

    def on_part_end() -> None:
        _, disposition = parse_options_header(current["header"])
        name = disposition.get(b"name", b"").decode("utf-8", "replace")
        if name and name not in parts and count <= _MAX_FORM_PARTS:
            parts[name] = b"".join(current["chunks"])

    callbacks: MultipartCallbacks = {
        "on_part_begin": on_part_begin,
        "on_header_field": on_header_field,
        "on_header_value": on_header_value,
        "on_header_end": on_header_end,
        "on_part_data": on_part_data,
        "on_part_end": on_part_end,
    }
    try:  # the constructor refuses a boundary over 256 bytes; write and finalize a malformed body
        parser = MultipartParser(boundary, callbacks)
        parser.write(body)
        parser.finalize()
    except Exception:  # noqa: BLE001 - python-multipart raises several error types for a malformed body
        return None
    return parts


def _utf8(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _types(document: dict[str, Any]) -> set[str]:
    value = document.get("type")
    items = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return {t for t in items if isinstance(t, str)}
