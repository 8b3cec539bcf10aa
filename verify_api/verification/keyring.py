"""Offline verification-method resolution: which key a proof names, and what that key proves about the issuer.

Nothing is ever fetched. Understood, in this order: the PAI's own did:web keys (every key it ever published,
from `signing_keys`), did:key (Ed25519, and P-256 for JOSE), a URL whose fragment is an Ed25519 Multikey (the
OB 3.0 samples' form: the key is known, its link to the issuer is not), and, for Open Badges JWTs only, a `jwk`
embedded in the JOSE header (OB 3.0 §8.2.4.1 allows it; it proves integrity, not identity).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from verify_api.errors import ProofError, UnresolvableKeyError
from verify_api.proofs.jose import jwk_for_did_key
from verify_api.proofs.keys import (
    DID_KEY_PREFIX,
    decode_public_multikey,
    public_jwk,
    resolve_did_key,
)
from verify_api.proofs.p256 import jwk_for_multikey

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from verify_api.db.records import SigningKeyRecord

KeyOrigin = Literal["pai", "did:key", "url-fragment", "embedded-jwk"]


@dataclass(frozen=True)
class ResolvedKey:
    verification_method: str
    origin: KeyOrigin
    # Who controls the key, as far as we can tell offline: the PAI's DID, the did:key DID, the URL before '#'.
    controller: str | None
    # The PAI's record of the key (validity window, compromise) when it is one of ours, in any form.
    record: SigningKeyRecord | None = None


class KeyRing:
    """The keys a verifier knows without a network: the PAI's published keys plus self-describing identifiers."""

    def __init__(self, pai_did: str, records: Sequence[SigningKeyRecord]) -> None:
        self.pai_did = pai_did
        self._by_kid = {r.kid: r for r in records}
        self._by_multibase = {r.public_key_multibase: r for r in records}
        self.resolved: list[ResolvedKey] = []

    def raw_ed25519(self, verification_method: str) -> bytes:
        """`PublicKeyResolver` for Data Integrity proofs: the raw Ed25519 key, recording what it resolved to."""
        found = self._resolve_multikey(verification_method)
        self.resolved.append(found)
        assert found.record is not None or found.origin != "pai"
        return _raw_of(verification_method, found)

    def jwk_for_header(
        self, header: Mapping[str, Any], *, allow_embedded_jwk: bool
    ) -> tuple[dict[str, Any], ResolvedKey]:
        """The public JWK a JOSE header names by `kid` (or embeds as `jwk`, where allowed) and what it proves."""
        kid = header.get("kid")
        embedded = header.get("jwk")
        if isinstance(kid, str) and kid:
            if kid in self._by_kid or kid.startswith(f"{self.pai_did}#"):
                found = self._resolve_multikey(kid)
                assert found.record is not None
                return jwk_for_multikey(found.record.public_key_multibase, kid), found  # Ed25519 or P-256
            if kid.startswith(DID_KEY_PREFIX):
                jwk = jwk_for_did_key(kid)
                return jwk, self._did_key(kid, jwk)
            if not isinstance(embedded, dict):
                found = self._resolve_multikey(kid)
                return public_jwk(_raw_of(kid, found), kid), found
        if isinstance(embedded, dict):
            if not allow_embedded_jwk:
                raise ProofError(
                    "the JWT embeds its own key (jwk header), which only the Open Badges 3.0 JWT form allows"
                )
            return dict(embedded), self._embedded(embedded)
        raise UnresolvableKeyError(
            "the JWT names no key PAI Verify can resolve offline (no kid it knows, no jwk); the issuer's keys are "
            "never fetched"
        )

    def _resolve_multikey(self, method: str) -> ResolvedKey:
        if method.startswith(f"{self.pai_did}#") or method in self._by_kid:
            record = self._by_kid.get(method)
            if record is None:
                raise ProofError(f"{method} claims to be a PAI key, but the PAI has never published it")
            return ResolvedKey(method, "pai", self.pai_did, record)
        if method.startswith(DID_KEY_PREFIX):
            return self._did_key(method, None)
        base, _, fragment = method.partition("#")
        if fragment.startswith(("z6Mk", "zDna", "z82L")) and ":" in base:  # Ed25519, P-256, P-384 Multikeys
            decode_public_multikey(fragment)  # a malformed Multikey is a failed proof, not an unknown key
            return ResolvedKey(method, "url-fragment", base, self._by_multibase.get(fragment))
        raise UnresolvableKeyError(
            f"the verification method {method!r} cannot be resolved offline: PAI Verify understands did:key, the "
            "PAI's own did:web keys and Multikey fragments, and never fetches other keys"
        )

    def _did_key(self, method: str, jwk: dict[str, Any] | None) -> ResolvedKey:
        identifier = method.removeprefix(DID_KEY_PREFIX).partition("#")[0]
        record = self._by_multibase.get(identifier) if jwk is None or jwk.get("kty") == "OKP" else None
        return ResolvedKey(method, "did:key", DID_KEY_PREFIX + identifier, record)

    def _embedded(self, jwk: Mapping[str, Any]) -> ResolvedKey:
        # An embedded key equal to a PAI key (Ed25519 or P-256) is that PAI key, whatever kid the header gives.
        members = {name: jwk.get(name) for name in ("kty", "crv", "x", "y")}
        for record in self._by_multibase.values():
            try:
                published = jwk_for_multikey(record.public_key_multibase, record.kid)
            except ProofError:
                continue  # a key type JOSE does not use here (none today)
            if members == {name: published.get(name) for name in ("kty", "crv", "x", "y")}:
                return ResolvedKey(record.kid, "pai", self.pai_did, record)
        return ResolvedKey("jwk (embedded in the JWT header)", "embedded-jwk", None)


def _raw_of(method: str, found: ResolvedKey) -> bytes:
    if found.origin == "pai":
        assert found.record is not None
        return decode_public_multikey(found.record.public_key_multibase)  # Ed25519 or P-256
    if found.origin == "did:key":
        return resolve_did_key(method)
    return decode_public_multikey(method.partition("#")[2])
