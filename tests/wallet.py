"""A test wallet written from OpenID for Verifiable Credential Issuance 1.0, the pre-authorized code flow, for the
tests to play the wallet's part against the real app.

It follows the spec, not the service's code: it reads the offer (§4.1, by value), fetches the Credential Issuer
Metadata (§12.2.2) and its authorization server's RFC 8414 metadata (§12.2.4 `authorization_servers`), redeems the
pre-authorized code at the Token Endpoint (§6), gets a c_nonce (§7), makes the `jwt` key proof (Appendix F.1) with
its own key and asks the Credential Endpoint (§8). It then checks what it received with the issuer's published keys
only (`/.well-known/did.json`, `/.well-known/jwks.json`): the Data Integrity proof by eddsa-rdfc-2022 (W3C vc-di-eddsa
§3.3: RDFC-1.0 of the proof options and the document, SHA-256 each, Ed25519) and the vc+jwt by its EdDSA signature.
Its keys are made here with `cryptography`; the JSON-LD contexts come from the service's bundled copies (data, so
that nothing is fetched from the network).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

import zxingcpp
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from PIL import Image, ImageDraw
from pyld import jsonld

from verify_api.proofs.document_loader import document_loader

if TYPE_CHECKING:
    from tests.factories import Client

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b58encode(data: bytes) -> str:
    number, out = int.from_bytes(data, "big"), ""
    while number:
        number, digit = divmod(number, 58)
        out = _B58[digit] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    number = 0
    for char in text:
        number = number * 58 + _B58.index(char)
    body = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def compact_jws(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    """RFC 7515 §7.1 compact serialisation, signed by `sign(signing_input) -> bytes` (the JWA form)."""
    signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{b64url(sign(signing_input.encode()))}"


@dataclass
class WalletKey:
    """A wallet key: Ed25519 named by a did:key `kid`, or P-256 named by a `jwk` header (bound as did:jwk)."""

    kind: str  # "ed25519" or "p256"
    private: Any = None

    def __post_init__(self) -> None:
        if self.private is None:
            self.private = (
                ed25519.Ed25519PrivateKey.generate()
                if self.kind == "ed25519"
                else ec.generate_private_key(ec.SECP256R1())
            )

    @property
    def alg(self) -> str:
        return "EdDSA" if self.kind == "ed25519" else "ES256"

    def public_jwk(self) -> dict[str, str]:
        public = self.private.public_key()
        if self.kind == "ed25519":
            raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        numbers = public.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": b64url(numbers.x.to_bytes(32, "big")),
            "y": b64url(numbers.y.to_bytes(32, "big")),
        }

    @property
    def did(self) -> str:
        """did:key (Ed25519: multicodec 0xed01, base58btc) or did:jwk (did:jwk spec §2.1)."""
        if self.kind == "ed25519":
            raw = unb64url(self.public_jwk()["x"])
            return "did:key:z" + b58encode(b"\xed\x01" + raw)
        return "did:jwk:" + b64url(json.dumps(self.public_jwk(), separators=(",", ":")).encode())

    def is_bound_to(self, did: str) -> bool:
        """Whether a credential subject's id names this key: its did:key, or a did:jwk holding its public JWK
        (member order is the issuer's choice)."""
        if did.startswith("did:jwk:"):
            return bool(json.loads(unb64url(did.removeprefix("did:jwk:"))) == self.public_jwk())
        return did == self.did

    def key_header(self) -> dict[str, Any]:
        """F.1: exactly one of `kid` (a DID URL) or `jwk`."""
        if self.kind == "ed25519":
            return {"kid": f"{self.did}#{self.did.removeprefix('did:key:')}"}
        return {"jwk": self.public_jwk()}

    def sign(self, data: bytes) -> bytes:
        if self.kind == "ed25519":
            signature: bytes = self.private.sign(data)
            return signature
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def scan_qr_svg(svg: str) -> list[str]:
    """What a camera reads off the offer's SVG QR code: its one path's modules (`M x y h n v1 h-n z` runs, placed by
    the path's translate/scale) drawn as pixels on white, then decoded by zxing-cpp."""
    transform = re.search(r'transform="translate\(([\d.]+) ([\d.]+)\) scale\(([\d.]+)\)"', svg)
    size = re.search(r'<svg[^>]* width="(\d+)"', svg)
    path = re.search(r' d="([^"]+)"', svg)
    assert transform is not None, svg[:200]
    assert size is not None, svg[:200]
    assert path is not None, svg[:200]
    x0, y0, module = (float(v) for v in transform.groups())
    scale = 4  # pixels per SVG unit
    image = Image.new("L", (int(size.group(1)) * scale,) * 2, 255)
    draw = ImageDraw.Draw(image)
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", path.group(1)):
        left, top = (x0 + int(x) * module) * scale, (y0 + int(y) * module) * scale
        draw.rectangle([left, top, left + int(n) * module * scale - 1, top + module * scale - 1], fill=0)
    return [result.text for result in zxingcpp.read_barcodes(image)]


def read_offer_uri(uri: str) -> dict[str, Any]:
    """§4.1: an `openid-credential-offer://` URI with exactly one of `credential_offer` (by value) or
    `credential_offer_uri` (this wallet refuses the latter: the issuer under test sends offers by value)."""
    parts = urlsplit(uri)
    assert parts.scheme == "openid-credential-offer", uri
    query = parse_qs(parts.query, strict_parsing=True)
    assert set(query) == {"credential_offer"}, f"an offer by value has one credential_offer parameter: {query}"
    offer: dict[str, Any] = json.loads(query["credential_offer"][0])
    return offer


def well_known_url(identifier: str, name: str) -> str:
    """§12.2.2 and RFC 8414 §3.1: the well-known segment goes between the host and the identifier's path."""
    parts = urlsplit(identifier)
    return f"{parts.scheme}://{parts.netloc}/.well-known/{name}{parts.path.rstrip('/')}"


@dataclass
class Wallet:
    client: Client
    clock: Any  # the wallet's clock (the test's, so its `iat` agrees with the issuer's)
    key: WalletKey = field(default_factory=lambda: WalletKey("ed25519"))
    metadata: dict[str, Any] = field(default_factory=dict)
    as_metadata: dict[str, Any] = field(default_factory=dict)
    offered: str = ""  # the register id of the credential offered (the tests' bookkeeping, not the protocol's)

    async def discover(self, offer: dict[str, Any]) -> None:
        """§12.2.2: the metadata of the offer's issuer, whose `credential_issuer` must equal it exactly; then the
        authorization server's (§12.2.4: its `issuer` must equal the identifier it was fetched for, RFC 8414 §3.3)."""
        issuer = offer["credential_issuer"]
        response = await self.client.get(well_known_url(issuer, "openid-credential-issuer"))
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/json")
        self.metadata = response.json()
        assert self.metadata["credential_issuer"] == issuer
        for configuration in offer["credential_configuration_ids"]:
            assert configuration in self.metadata["credential_configurations_supported"], configuration
        server = self.metadata.get("authorization_servers", [issuer])[0]
        response = await self.client.get(well_known_url(server, "oauth-authorization-server"))
        assert response.status_code == 200, response.text
        self.as_metadata = response.json()
        assert self.as_metadata["issuer"] == server
        assert PRE_AUTHORIZED_GRANT in self.as_metadata["grant_types_supported"]

    async def token_request(self, code: str, tx_code: str | None = None) -> Any:
        """§6.1: the pre-authorized code grant, anonymous (no client_id), as a form."""
        form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return await self.client.post(self.as_metadata["token_endpoint"], data=form)

    async def nonce(self) -> str:
        response = await self.client.post(self.metadata["nonce_endpoint"])
        assert response.status_code == 200, response.text
        assert "no-store" in response.headers["cache-control"]
        c_nonce: str = response.json()["c_nonce"]
        return c_nonce

    def key_proof(self, nonce: str | None, **changes: Any) -> str:
        """Appendix F.1: typ openid4vci-proof+jwt, the key in the header, aud the Credential Issuer Identifier, iat
        now, nonce the c_nonce. `changes` replace header or claim members (None removes one), to make bad proofs;
        `signer=` signs with another key than the header names."""
        header: dict[str, Any] = {"typ": PROOF_TYP, "alg": self.key.alg, **self.key.key_header()}
        claims: dict[str, Any] = {"aud": self.metadata["credential_issuer"], "iat": int(self.clock().timestamp())}
        if nonce is not None:
            claims["nonce"] = nonce
        signer: WalletKey = changes.pop("signer", self.key)
        for name, value in changes.items():
            target = header if name in ("typ", "alg", "kid", "jwk") else claims
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
        return compact_jws(header, claims, signer.sign)

    async def credential_request(self, token: str | None, configuration: str, proof: str | None) -> Any:
        body: dict[str, Any] = {"credential_configuration_id": configuration}
        if proof is not None:
            body["proofs"] = {"jwt": [proof]}
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        return await self.client.post(self.metadata["credential_endpoint"], json=body, headers=headers)

    async def receive(self, offer_uri: str, tx_code: str | None = None) -> dict[str, Any]:
        """The whole flow for every configuration offered: {configuration id: the credential received}."""
        offer = read_offer_uri(offer_uri)
        await self.discover(offer)
        grant = offer["grants"][PRE_AUTHORIZED_GRANT]
        response = await self.token_request(grant["pre-authorized_code"], tx_code)
        assert response.status_code == 200, response.text
        token = response.json()
        assert token["token_type"] == "Bearer"
        received = {}
        for configuration in offer["credential_configuration_ids"]:
            response = await self.credential_request(
                token["access_token"], configuration, self.key_proof(await self.nonce())
            )
            assert response.status_code == 200, response.text
            credentials = response.json()["credentials"]
            assert len(credentials) == 1
            received[configuration] = credentials[0]["credential"]
        return received


async def published_keys(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    did_document = (await client.get("/.well-known/did.json")).json()
    jwks = (await client.get("/.well-known/jwks.json")).json()
    return did_document, jwks


def _canonical(document: dict[str, Any]) -> bytes:
    nquads: str = jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    )
    return nquads.encode()


def verify_data_integrity(credential: dict[str, Any], did_document: dict[str, Any]) -> None:
    """W3C vc-di-eddsa §3.3 (eddsa-rdfc-2022) verification with the key the issuer's DID document publishes."""
    proof = dict(credential["proof"])
    assert proof["type"] == "DataIntegrityProof", proof
    assert proof["cryptosuite"] == "eddsa-rdfc-2022", proof
    assert proof["proofPurpose"] == "assertionMethod"
    method = next(m for m in did_document["verificationMethod"] if m["id"] == proof["verificationMethod"])
    multikey = b58decode(method["publicKeyMultibase"].removeprefix("z"))
    assert multikey[:2] == b"\xed\x01"
    proof_value = proof.pop("proofValue")
    document = {k: v for k, v in credential.items() if k != "proof"}
    options = {"@context": credential["@context"], **proof}
    hash_data = hashlib.sha256(_canonical(options)).digest() + hashlib.sha256(_canonical(document)).digest()
    public = ed25519.Ed25519PublicKey.from_public_bytes(multikey[2:])
    public.verify(b58decode(proof_value.removeprefix("z")), hash_data)  # raises InvalidSignature


def verify_vc_jwt(token: str, jwks: dict[str, Any]) -> dict[str, Any]:
    """VC-JOSE-COSE §3.1.1: typ vc+jwt, the payload is the credential, EdDSA by the `kid` the issuer publishes."""
    header_part, payload_part, signature_part = token.split(".")
    header = json.loads(unb64url(header_part))
    assert header["typ"] == "vc+jwt", header
    assert header["alg"] == "EdDSA", header
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    public = ed25519.Ed25519PublicKey.from_public_bytes(unb64url(jwk["x"]))
    public.verify(unb64url(signature_part), f"{header_part}.{payload_part}".encode())
    payload: dict[str, Any] = json.loads(unb64url(payload_part))
    return payload
