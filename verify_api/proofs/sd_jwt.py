"""SD-JWT: Selective Disclosure for JSON Web Tokens (RFC 9901, https://www.rfc-editor.org/rfc/rfc9901).

Issuance (RFC 9901 §4): Disclosures for object properties (§4.2.1) and array elements (§4.2.2), their digests
(§4.2.3), embedded as `_sd` entries and `{"...": digest}` placeholders (§4.2.4), decoy digests (§4.2.5), nested
pointers processed deepest first so that an outer Disclosure carries the inner digests (§4.2.6).
Verification (RFC 9901 §7.1 steps 2.5 to 5, §7.3 step 5 for the Key Binding JWT, §4.3.1 `sd_hash`): every presented
Disclosure must be listed exactly once by a digest the Issuer signed; a digest listed twice, a Disclosure presented
twice or listed nowhere, a malformed one or one naming `_sd` or `...` refuses the whole SD-JWT.

The JWS itself is `jws` (its closed table of public-key algorithms); which claims may never be selectively
disclosable in a credential (`RESERVED_CLAIMS`) is RFC 9901 §9.7 and VC-JOSE-COSE §3.2.1. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.errors import InvalidCredentialError, MalformedJsonError, ProofError
from verify_api.proofs.jws import split_compact_jws, verify_jws
from verify_api.proofs.multibase import decode_base64url, encode_base64url
from verify_api.strict_json import parse_strict_json

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

# RFC 9901 §4.1.1: `_sd_alg` names a "Hash Name String" of the IANA Named Information registry; sha-256 is the
# default and MUST be supported. These three are the ones deemed secure here (§9.5).
HASH_ALGORITHMS: dict[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
}
DEFAULT_SD_ALG = "sha-256"
SD, ELLIPSIS, SD_ALG = "_sd", "...", "_sd_alg"
SALT_BYTES = 16  # RFC 9901 §9.3: 128 bits of cryptographically secure random data
MAX_DISCLOSURES = 512
MAX_DEPTH = 64  # levels of objects and arrays in the processed payload, as strict_json bounds a JSON document
KB_JWT_TYP = "kb+jwt"
# Never selectively disclosable at the top level of a credential, nor anything inside them: the claims that decide
# whether the SD-JWT is valid (RFC 9901 §9.7: iss, aud, exp, nbf, cnf) and the members VC-JOSE-COSE §3.2.1 says are
# necessary to validate and verify a credential (@context, type, credentialStatus, credentialSchema,
# relatedResource), with the issuer and validity period that VC Data Model 2.0 §4.7 and §4.9 give it. A holder who
# could withhold `credentialStatus` could hide a revocation.
RESERVED_CLAIMS = frozenset(
    {
        "iss",
        "aud",
        "exp",
        "nbf",
        "cnf",
        SD_ALG,
        "@context",
        "type",
        "issuer",
        "credentialStatus",
        "credentialSchema",
        "relatedResource",
        "validFrom",
        "validUntil",
    }
)


@dataclass(frozen=True)
class Disclosure:
    """One decoded Disclosure (RFC 9901 §4.2.1 / §4.2.2): `name` is None for an array element."""

    encoded: str
    digest: str
    salt: str
    name: str | None
    value: Any


@dataclass(frozen=True)
class DisclosedClaim:
    """A claim a presented Disclosure put back, at `pointer` (RFC 6901) in the processed payload."""

    pointer: str
    digest: str


@dataclass(frozen=True)
class SdJwt:
    """The compact serialisation split (RFC 9901 §4): the Issuer-signed JWT, the Disclosures, the optional KB-JWT."""

    issuer_jwt: str
    disclosures: tuple[str, ...]
    kb_jwt: str | None

    @property
    def without_key_binding(self) -> str:
        """`<Issuer-signed JWT>~<Disclosure 1>~...~<Disclosure N>~`: the SD-JWT, over which `sd_hash` is taken."""
        return "".join(f"{part}~" for part in (self.issuer_jwt, *self.disclosures))


@dataclass(frozen=True)
class ProcessedSdJwt:
    """RFC 9901 §7.1's output: the Processed SD-JWT Payload and which Disclosures built it."""

    claims: dict[str, Any]
    disclosed: tuple[DisclosedClaim, ...]
    sd_alg: str


@dataclass(frozen=True)
class KeyBindingAsk:
    """What the verifier asks of a Key Binding JWT (RFC 9901 §7.3 step 5.5-5.6): its nonce and audience, when it
    names them, and how old its `iat` may be."""

    nonce: str | None = None
    aud: str | None = None
    max_age: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class KeyBinding:
    """A verified Key Binding JWT: its algorithm and what it said (RFC 9901 §4.3)."""

    alg: str
    nonce: str
    aud: str
    issued_at: datetime


# --- issuance --------------------------------------------------------------------------------------------------


def new_salt() -> str:
    """RFC 9901 §9.3: 128 bits from a cryptographically secure source, base64url-encoded."""
    return encode_base64url(secrets.token_bytes(SALT_BYTES))


def encode_disclosure(contents: list[Any]) -> str:
    """RFC 9901 §4.2.1: base64url of the UTF-8 bytes of the JSON array (no canonicalisation is needed: the digest is
    over the encoded string itself)."""
    return encode_base64url(msgspec.json.encode(contents))


def create_object_disclosure(name: str, value: Any, *, salt: str | None = None) -> str:
    """RFC 9901 §4.2.1 Disclosures for Object Properties: `[salt, claim name, claim value]`."""
    if name in (SD, ELLIPSIS):
        raise InvalidCredentialError(f"the claim name {name!r} cannot be selectively disclosable (RFC 9901 §4.2.1)")
    return encode_disclosure([salt or new_salt(), name, value])


def create_array_disclosure(value: Any, *, salt: str | None = None) -> str:
    """RFC 9901 §4.2.2 Disclosures for Array Elements: `[salt, array element]`."""
    return encode_disclosure([salt or new_salt(), value])


def hash_disclosure(disclosure: str, sd_alg: str = DEFAULT_SD_ALG) -> str:
    """RFC 9901 §4.2.3: the digest over the US-ASCII bytes of the base64url-encoded Disclosure (not the bytes it
    encodes), itself base64url-encoded."""
    return encode_base64url(HASH_ALGORITHMS[sd_alg](disclosure.encode("ascii")).digest())


def decoy_digest(sd_alg: str = DEFAULT_SD_ALG) -> str:
    """RFC 9901 §4.2.5: a digest over a cryptographically secure random number, with the Disclosures' hash."""
    return encode_base64url(HASH_ALGORITHMS[sd_alg](secrets.token_bytes(32)).digest())


def parse_pointer(pointer: str) -> list[str]:
    """RFC 6901 JSON Pointer -> its reference tokens (`~1` is `/`, `~0` is `~`)."""
    if not pointer.startswith("/") or pointer == "/":
        raise InvalidCredentialError(f"{pointer!r} is not a JSON Pointer to a member (RFC 6901: '/name/...')")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer[1:].split("/")]


def make_selectively_disclosable(
    claims: dict[str, Any], pointers: Sequence[str], *, decoys: int = 0, salt: Callable[[], str] = new_salt
) -> tuple[dict[str, Any], list[str]]:
    """The SD-JWT payload for `claims` with each claim a pointer names made selectively disclosable, and the
    Disclosures (RFC 9901 §4.2.4). Deeper pointers first, so a Disclosure of an object or array carries the digests
    of what inside it is disclosable on its own (§4.2.6 recursive disclosures). `decoys` decoy digests are added to
    every `_sd` array (§4.2.5) and each `_sd` array is sorted, hiding the claims' order (§4.2.4.1). `_sd_alg` is
    set at the top level (§4.1.1). `InvalidCredentialError` for a pointer to nothing, to a reserved claim or into
    one, and for claims that already use `_sd` or `...` (§4.1 rule 7)."""
    _refuse_sd_names(claims, "")
    payload = msgspec.json.decode(msgspec.json.encode(claims))  # a deep copy the caller's claims never share
    paths = sorted({tuple(parse_pointer(p)) for p in pointers}, key=len, reverse=True)
    disclosures: list[str] = []
    digest_arrays: list[list[str]] = []
    for path in paths:
        if path[0] in RESERVED_CLAIMS:
            raise InvalidCredentialError(
                f"{'/' + '/'.join(path)!r} cannot be selectively disclosable: {path[0]!r} decides the credential's "
                "validity (RFC 9901 §9.7, VC-JOSE-COSE §3.2.1), so it is always disclosed",
                path="options.selectivelyDisclosable",
            )
        parent = _resolve_parent(payload, path)
        last = path[-1]
        if isinstance(parent, list):
            index = int(last)
            disclosure = create_array_disclosure(parent[index], salt=salt())
            parent[index] = {ELLIPSIS: hash_disclosure(disclosure)}
        else:
            disclosure = create_object_disclosure(last, parent.pop(last), salt=salt())
            digests = parent.setdefault(SD, [])
            if not digests:
                digest_arrays.append(digests)
            digests.append(hash_disclosure(disclosure))
        disclosures.append(disclosure)
    for digests in digest_arrays:
        digests.extend(decoy_digest() for _ in range(decoys))
        digests.sort()
    payload[SD_ALG] = DEFAULT_SD_ALG
    return payload, disclosures


def _resolve_parent(payload: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | list[Any]:
    shown = "/" + "/".join(path)
    node: Any = payload
    for depth, token in enumerate(path):
        last = depth == len(path) - 1
        if isinstance(node, dict) and token in node and token not in (SD, ELLIPSIS):
            if last:
                return node
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node) and str(int(token)) == token:
            if last:
                return node
            node = node[int(token)]
            if isinstance(node, dict) and set(node) == {ELLIPSIS}:
                break  # already replaced by a placeholder: the element itself is disclosable, not inside it
        else:
            break
    raise InvalidCredentialError(
        f"{shown!r} names no claim of the credential to make selectively disclosable",
        path="options.selectivelyDisclosable",
    )


def _refuse_sd_names(value: Any, path: str) -> None:
    if isinstance(value, dict):
        for name, member in value.items():
            if name in (SD, ELLIPSIS, SD_ALG):
                raise InvalidCredentialError(
                    f"the claim {name!r} at {path or '/'} is reserved by SD-JWT for digests (RFC 9901 §4.1)",
                    path=f"credential{path.replace('/', '.')}.{name}",
                )
            _refuse_sd_names(member, f"{path}/{name}")
    elif isinstance(value, list):
        for index, member in enumerate(value):
            _refuse_sd_names(member, f"{path}/{index}")


# --- presentation parsing ----------------------------------------------------------------------------------------


def is_sd_jwt(text: str) -> bool:
    """An SD-JWT's compact form has at least one '~' (RFC 9901 §4); a JWS never has one."""
    return "~" in text


def split_sd_jwt(text: str) -> SdJwt:
    """RFC 9901 §7.1 step 1 / §7.3 step 3: `<JWT>~<D1>~...~<DN>~[<KB-JWT>]`. The last component is empty (an SD-JWT)
    or a JWT (an SD-JWT+KB); every Disclosure is non-empty base64url."""
    parts = text.strip().split("~")
    if len(parts) < 2:
        raise ProofError("an SD-JWT is '<Issuer-signed JWT>~' followed by Disclosures, each ending with '~'")
    issuer_jwt, *disclosures, last = parts
    if len(disclosures) > MAX_DISCLOSURES:
        raise ProofError(f"the SD-JWT has {len(disclosures)} Disclosures; at most {MAX_DISCLOSURES} are accepted")
    for index, disclosure in enumerate(disclosures):
        if not disclosure:
            raise ProofError(f"Disclosure {index + 1} is empty (two '~' in a row)")
    if last and last.count(".") != 2:
        raise ProofError("the SD-JWT's last component is neither empty (an SD-JWT ends with '~') nor a Key Binding JWT")
    return SdJwt(issuer_jwt, tuple(disclosures), last or None)


def decode_disclosure(encoded: str, sd_alg: str = DEFAULT_SD_ALG) -> Disclosure:
    """Decode one Disclosure and compute its digest (RFC 9901 §7.1 step 3.1); its shape is checked against where its
    digest sits when it is used (step 3.3.2.1 / 3.3.3.1)."""
    try:
        contents = parse_strict_json(decode_base64url(encoded), what="the Disclosure")
    except (ProofError, MalformedJsonError) as exc:
        raise ProofError(f"a Disclosure is not base64url-encoded JSON: {exc.detail}") from None
    digest = hash_disclosure(encoded, sd_alg)
    if not isinstance(contents, list) or len(contents) not in (2, 3) or not isinstance(contents[0], str):
        raise ProofError(
            f"Disclosure {digest} is not a JSON array [salt, name, value] or [salt, value] (RFC 9901 §4.2.1, §4.2.2)"
        )
    if len(contents) == 3:
        if not isinstance(contents[1], str):
            raise ProofError(f"Disclosure {digest}'s claim name is not a string (RFC 9901 §4.2.1)")
        return Disclosure(encoded, digest, contents[0], contents[1], contents[2])
    return Disclosure(encoded, digest, contents[0], None, contents[1])


# --- verification ------------------------------------------------------------------------------------------------

# VC-JOSE-COSE §3.2.1 (https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt): `typ` SHOULD be vc+sd-jwt and `cty`,
# when present, vc; RFC 9901 §11.2 registers the generic application/sd-jwt.
SD_JWT_TYPES = ("vc+sd-jwt", "sd-jwt")


def check_sd_jwt_typing(header: Mapping[str, Any], payload: Mapping[str, Any]) -> None:
    """The explicit typing of an Issuer-signed JWT securing a credential (VC-JOSE-COSE §3.2.1, RFC 9901 §9.11);
    `ProofError` when it says it is something else. An absent `typ` is accepted (both say SHOULD)."""
    typ, cty = _media_type(header, "typ"), _media_type(header, "cty")
    if typ == "vp+sd-jwt":
        raise ProofError("typ vp+sd-jwt marks a presentation secured with SD-JWT, which is not verified here")
    if typ == "dc+sd-jwt":
        raise ProofError(
            "typ dc+sd-jwt marks an IETF SD-JWT VC, whose claims are not a VC Data Model 2.0 credential; "
            "VC-JOSE-COSE §3.2.1 says vc+sd-jwt"
        )
    if typ not in (None, *SD_JWT_TYPES):
        raise ProofError(
            f"typ {header['typ']!r} does not mark a credential secured with SD-JWT; VC-JOSE-COSE §3.2.1 says vc+sd-jwt"
        )
    if cty not in (None, "vc"):
        raise ProofError(f"cty {header['cty']!r} is not 'vc' (VC-JOSE-COSE §3.2.1)")
    if "vc" in payload or "vp" in payload:
        raise ProofError("the SD-JWT's payload is the credential itself: a 'vc' or 'vp' claim must not be present")


def _media_type(header: Mapping[str, Any], name: str) -> str | None:
    """RFC 7515 §4.1.9-10: media type names are case-insensitive and an "application/" prefix may be omitted."""
    value = header.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProofError(f"the JWS header {name} must be a string")
    return value.strip().lower().removeprefix("application/")


def check_sd_alg(payload: Mapping[str, Any]) -> str:
    """RFC 9901 §7.1 step 2.5: the `_sd_alg` is understood and deemed secure (default sha-256, §4.1.1)."""
    sd_alg = payload.get(SD_ALG, DEFAULT_SD_ALG)
    if sd_alg not in HASH_ALGORITHMS:
        raise ProofError(f"_sd_alg {sd_alg!r} is not a hash algorithm accepted here ({', '.join(HASH_ALGORITHMS)})")
    return str(sd_alg)


def process_disclosures(payload: Mapping[str, Any], disclosures: Sequence[str]) -> ProcessedSdJwt:
    """RFC 9901 §7.1 steps 2.5 to 5: the Processed SD-JWT Payload. `ProofError` (the SD-JWT MUST be rejected) when a
    Disclosure is malformed, presented twice, or referenced by no digest; when a digest appears twice; when a
    Disclosure names `_sd` or `...`, a claim already present at its level, or a reserved claim (`RESERVED_CLAIMS`)."""
    sd_alg = check_sd_alg(payload)
    by_digest: dict[str, Disclosure] = {}
    for encoded in disclosures:
        disclosure = decode_disclosure(encoded, sd_alg)
        if disclosure.digest in by_digest:
            raise ProofError(
                f"Disclosure {disclosure.digest} is presented more than once (RFC 9901 §4: a Holder MUST NOT send "
                "a Disclosure more than once)"
            )
        by_digest[disclosure.digest] = disclosure
    walk = _Walk(by_digest)
    top = {name: value for name, value in payload.items() if name != SD_ALG}
    claims = walk.object(top, "")
    unused = [d for digest, d in by_digest.items() if digest not in walk.used]
    if unused:  # step 5
        described = ", ".join(_describe(d) for d in unused)
        raise ProofError(
            f"the Issuer-signed JWT lists no digest of {described}: it is not one of this SD-JWT's Disclosures "
            "(RFC 9901 §7.1 step 5)"
        )
    return ProcessedSdJwt(claims, tuple(walk.disclosed), sd_alg)


class _Walk:
    """Steps 3.2 (*) and 3.3 (**) of RFC 9901 §7.1, recursively, with step 4's once-only rule for digests."""

    def __init__(self, by_digest: dict[str, Disclosure]) -> None:
        self.by_digest = by_digest
        self.seen: set[str] = set()
        self.used: set[str] = set()
        self.disclosed: list[DisclosedClaim] = []

    def value(self, value: Any, pointer: str) -> Any:
        if pointer.count("/") > MAX_DEPTH:  # Disclosures inside Disclosures nest as deep as their chain is long
            raise ProofError(f"the SD-JWT's claims nest deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            return self.object(value, pointer)
        if isinstance(value, list):
            return self.array(value, pointer)
        return value

    def object(self, value: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        if SD_ALG in value and pointer:
            raise ProofError(f"_sd_alg appears at {pointer}; it MUST appear only at the top level (RFC 9901 §4.1.1)")
        if ELLIPSIS in value:
            raise ProofError(f"the object at {pointer or '/'} has a '...' member outside an array (RFC 9901 §4.1)")
        result = {
            name: self.value(member, f"{pointer}/{_escape(name)}") for name, member in value.items() if name != SD
        }
        digests = value.get(SD, [])
        if not isinstance(digests, list) or not all(isinstance(d, str) for d in digests):
            raise ProofError(f"_sd at {pointer or '/'} is not an array of digest strings (RFC 9901 §4.2.4.1)")
        for digest in digests:
            disclosure = self._take(digest)
            if disclosure is None:
                continue  # a decoy, or a claim the holder did not disclose (step 3.3.1)
            name = disclosure.name
            if name is None:  # step 3.3.2.1
                raise ProofError(f"Disclosure {digest} is an array element but its digest is in an _sd array")
            if name in (SD, ELLIPSIS):  # step 3.3.2.2
                raise ProofError(f"Disclosure {digest} names the claim {name!r}, which SD-JWT reserves")
            if name in result:  # step 3.3.2.3
                raise ProofError(f"Disclosure {digest} discloses {name!r}, which already exists at {pointer or '/'}")
            claim_pointer = f"{pointer}/{_escape(name)}"
            self._refuse_reserved(claim_pointer, digest)
            result[name] = self.value(disclosure.value, claim_pointer)  # step 3.3.2.4-5
            self.disclosed.append(DisclosedClaim(claim_pointer, digest))
        return result

    def array(self, value: list[Any], pointer: str) -> list[Any]:
        result: list[Any] = []
        for element in value:
            if isinstance(element, dict) and ELLIPSIS in element:
                digest = element[ELLIPSIS]
                if len(element) != 1 or not isinstance(digest, str):
                    raise ProofError(f"an array element of {pointer} has '...' with other members or a non-string")
                disclosure = self._take(digest)
                if disclosure is None:
                    continue  # step 3.4: an element the holder did not disclose (or a decoy) is removed
                if disclosure.name is not None:  # step 3.3.3.1
                    raise ProofError(f"Disclosure {digest} is an object property but its digest is an array element")
                element_pointer = f"{pointer}/{len(result)}"
                self._refuse_reserved(element_pointer, digest)
                result.append(self.value(disclosure.value, element_pointer))
                self.disclosed.append(DisclosedClaim(element_pointer, digest))
            else:
                result.append(self.value(element, f"{pointer}/{len(result)}"))
        return result

    def _take(self, digest: str) -> Disclosure | None:
        if digest in self.seen:  # step 4
            raise ProofError(f"the digest {digest} appears more than once in the SD-JWT (RFC 9901 §7.1 step 4)")
        self.seen.add(digest)
        disclosure = self.by_digest.get(digest)
        if disclosure is not None:
            self.used.add(digest)
        return disclosure

    @staticmethod
    def _refuse_reserved(pointer: str, digest: str) -> None:
        top = pointer[1:].split("/", 1)[0].replace("~1", "/").replace("~0", "~")
        if top in RESERVED_CLAIMS:
            raise ProofError(
                f"Disclosure {digest} discloses {pointer}, but {top!r} decides the credential's validity and must "
                "never be selectively disclosable (RFC 9901 §9.7, VC-JOSE-COSE §3.2.1)"
            )


def holder_jwk(claims: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 9901 §4.1.2 / §7.3 step 5.1: the holder's public key, from `cnf.jwk` (RFC 7800 §3.2)."""
    confirmation = claims.get("cnf")
    jwk = confirmation.get("jwk") if isinstance(confirmation, dict) else None
    if not isinstance(jwk, dict):
        raise ProofError("the SD-JWT has a Key Binding JWT but names no holder key (cnf.jwk, RFC 7800 §3.2)")
    return jwk


def _check_issued_at(value: object, *, now: datetime, max_age: timedelta, skew: timedelta) -> datetime:
    """RFC 9901 §7.3 step 5.5: the KB-JWT's `iat` (REQUIRED, §4.3) within an acceptable window."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProofError("the Key Binding JWT has no iat (RFC 9901 §4.3: REQUIRED)")
    issued = datetime.fromtimestamp(min(max(value, 0), 2**40), UTC)
    if issued > now + skew:
        raise ProofError(f"the Key Binding JWT was issued in the future ({issued.isoformat()})")
    if now - issued > max_age:
        raise ProofError(
            f"the Key Binding JWT was issued at {issued.isoformat()}, more than {int(max_age.total_seconds())} s ago"
        )
    return issued


def _escape(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _describe(disclosure: Disclosure) -> str:
    what = f"claim {disclosure.name!r}" if disclosure.name is not None else "an array element"
    return f"Disclosure {disclosure.digest} ({what})"


def check_key_binding(  # noqa: PLR0913 - RFC 9901 §7.3 step 5 takes each of these
    sd_jwt: SdJwt,
    claims: Mapping[str, Any],
    sd_alg: str,
    *,
    ask: KeyBindingAsk,
    now: datetime,
    max_age: timedelta,
    skew: timedelta = timedelta(minutes=5),
) -> KeyBinding:
    """RFC 9901 §7.3 step 5 and §4.3: the holder key from `cnf.jwk` (RFC 7800 §3.2), the KB-JWT's signature,
    `typ` kb+jwt, `iat` within `max_age` (and not in the future beyond `skew`), `nonce` and `aud` (equal to what the
    verifier asked, when it asked), and `sd_hash` over the SD-JWT as presented (§4.3.1)."""
    assert sd_jwt.kb_jwt is not None
    kb = split_compact_jws(sd_jwt.kb_jwt)
    typ = kb.header.get("typ")
    if not isinstance(typ, str) or typ.lower().removeprefix("application/") != KB_JWT_TYP:
        raise ProofError(f"the Key Binding JWT's typ is {typ!r}, not kb+jwt (RFC 9901 §4.3)")
    try:
        verify_jws(kb, holder_jwk(claims))
    except ProofError as exc:
        raise ProofError(f"the Key Binding JWT does not verify with the holder key (cnf.jwk): {exc.detail}") from None
    payload = kb.payload
    issued = _check_issued_at(payload.get("iat"), now=now, max_age=max_age, skew=skew)
    nonce, aud = payload.get("nonce"), payload.get("aud")
    if not isinstance(nonce, str) or not isinstance(aud, str):
        raise ProofError("the Key Binding JWT needs a string nonce and a single string aud (RFC 9901 §4.3)")
    if ask.nonce is not None and nonce != ask.nonce:
        raise ProofError(f"the Key Binding JWT's nonce {nonce!r} is not the one the verifier asked for")
    if ask.aud is not None and aud != ask.aud:
        raise ProofError(f"the Key Binding JWT's aud {aud!r} is not this verifier ({ask.aud!r})")
    expected = encode_base64url(HASH_ALGORITHMS[sd_alg](sd_jwt.without_key_binding.encode("ascii")).digest())
    if payload.get("sd_hash") != expected:
        raise ProofError(
            "the Key Binding JWT's sd_hash is not the hash of this SD-JWT and its Disclosures (RFC 9901 §4.3.1): "
            "it was made for another presentation"
        )
    return KeyBinding(kb.alg, nonce, aud, issued)
