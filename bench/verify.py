"""Part `verify`: verifications per second for each proof type, next to the raw cost measured in the same run.

The input is a real signed AIDA credential (the seeded document; its unsigned form re-secured for the other proof
types). "Proof check" is `check_securing_sync`, what POST /v1/verify runs per credential in a worker thread:
resolve the key, canonicalise, hash, verify, check the proof's time bounds or the JWT claims. "Raw" is the floor for
the same proof: for Data Integrity, canonicalise the document and the proof configuration, hash, one Ed25519
verify; for JOSE, the signature verification alone. The ratio is proof-check throughput over raw throughput (the
issue's target for eddsa-jcs-2022 is at least 0.5).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import msgspec
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey, RSAKey

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.timing import CallTiming, ms, time_call
from verify_api.db.records import SigningKeyRecord
from verify_api.proofs import ed25519_signature_2020
from verify_api.proofs.cryptosuite import decode_proof_value
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.eddsa import (
    hashing,
    proof_configuration_jcs,
    proof_configuration_rdfc,
    transformation_jcs,
    transformation_rdfc,
)
from verify_api.proofs.jose import jwk_for_did_key
from verify_api.proofs.jws import split_compact_jws, verify_jws
from verify_api.proofs.jws_ecdsa import with_low_s_es256
from verify_api.proofs.keys import public_jwk, verify_ed25519
from verify_api.proofs.multibase import decode_base64url, encode_base64url, encode_multibase_base58btc
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presented import decode_presented
from verify_api.verification.securing import check_securing_sync

if TYPE_CHECKING:
    from collections.abc import Callable

    from verify_api.services.context import IssuerKey

PAI_DID = "did:web:verify.bench.example"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def secured_inputs(unsigned: dict[str, Any], key: IssuerKey) -> dict[str, tuple[bytes, str]]:
    """Each proof type over the same credential: request body and Content-Type, as POST /v1/verify receives them."""
    vm = key.verification_method
    inputs: dict[str, tuple[bytes, str]] = {}
    for suite in ("eddsa-rdfc-2022", "eddsa-jcs-2022"):
        signed = add_proof(unsigned, key.signer, cryptosuite=suite, verification_method=vm, created=NOW)
        inputs[suite] = (msgspec.json.encode(signed), "application/vc")
    legacy = ed25519_signature_2020.add_proof(unsigned, key.signer, verification_method=vm, created=NOW)
    inputs["Ed25519Signature2020"] = (msgspec.json.encode(legacy), "application/vc")
    payload = json.dumps(unsigned).encode()
    signing_input = f"{_b64({'alg': 'EdDSA', 'typ': 'vc+jwt', 'kid': vm})}.{encode_base64url(payload)}"
    token = f"{signing_input}.{encode_base64url(key.signer.sign(signing_input.encode()))}"
    inputs["JWS EdDSA (vc+jwt)"] = (token.encode(), "application/vc+jwt")
    ec = ECKey.generate_key("P-256")
    public = ec.as_dict(private=False)
    x, y = decode_base64url(str(public["x"])), decode_base64url(str(public["y"]))
    did = "did:key:" + encode_multibase_base58btc(b"\x80\x24" + bytes([2 + (y[-1] & 1)]) + x)
    es256 = dict(unsigned, issuer=dict(unsigned["issuer"], id=did))
    token = joserfc_jws.serialize_compact(
        {"alg": "ES256", "kid": did}, json.dumps(es256).encode(), ec, algorithms=["ES256"]
    )
    token = with_low_s_es256(token)  # joserfc leaves S high half the time; the verifier accepts only low S
    inputs["JWS ES256 (vc+jwt, did:key)"] = (token.encode(), "application/vc+jwt")
    rsa = RSAKey.generate_key(2048)
    header = {"alg": "RS256", "jwk": rsa.as_dict(private=False)}
    token = joserfc_jws.serialize_compact(header, json.dumps({"vc": unsigned}).encode(), rsa, algorithms=["RS256"])
    inputs["JWS RS256 (OB 3.0 JWT, jwk)"] = (token.encode(), "application/jwt")
    return inputs


def raw_call(name: str, body: bytes, key: IssuerKey) -> Callable[[], object]:
    """The floor for one proof type; see the module docstring."""
    if name.startswith("JWS"):
        jws = split_compact_jws(body.decode())
        jwk = jws.header.get("jwk") or _jwk_for(jws.header, key)
        return lambda: verify_jws(jws, jwk)
    document = json.loads(body)
    proof = document.pop("proof")
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    signature = decode_proof_value(proof)
    if name == "Ed25519Signature2020":
        return lambda: verify_ed25519(
            key.signer.public_key, signature, ed25519_signature_2020.create_verify_data(document, options)
        )
    transform, configure = (
        (transformation_jcs, proof_configuration_jcs)
        if name == "eddsa-jcs-2022"
        else (transformation_rdfc, proof_configuration_rdfc)
    )
    if name == "eddsa-jcs-2022":
        options["@context"] = document["@context"]
    return lambda: verify_ed25519(
        key.signer.public_key, signature, hashing(transform(document, options), configure(options, document))
    )


def proof_check_call(body: bytes, content_type: str, keyring: KeyRing) -> Callable[[], object]:
    def run() -> object:
        presented = decode_presented(body, content_type)
        outcome = check_securing_sync(presented, keyring, now=NOW)
        if outcome.check.result != "passed":
            raise RuntimeError(f"bench input did not verify: {outcome.check.detail}")
        return outcome

    return run


def measure(unsigned: dict[str, Any], key: IssuerKey, *, budget: float) -> list[list[str]]:
    record = SigningKeyRecord(key.verification_method, key.signer.public_key_multibase, NOW, None, None)
    keyring = KeyRing(key.verification_method.partition("#")[0], [record])
    rows = []
    for name, (body, content_type) in secured_inputs(unsigned, key).items():
        full: CallTiming = time_call(proof_check_call(body, content_type, keyring), budget_s=budget)
        raw: CallTiming = time_call(raw_call(name, body, key), budget_s=budget)
        rows.append(
            [
                name,
                f"{full.per_second:.0f}",
                ms(full.median_s),
                f"{raw.per_second:.0f}",
                ms(raw.median_s),
                f"{full.per_second / raw.per_second:.2f}",
            ]
        )
    return rows


def run(ctx: BenchContext) -> PartResult:
    unsigned: dict[str, Any] = msgspec.json.decode(ctx.env.seeded.documents["eddsa-jcs-2022"])
    unsigned.pop("proof")
    rows = measure(unsigned, ctx.env.issuer_key, budget=0.3 if ctx.quick else 1.5)
    headers = ["proof type", "verify/s (proof check)", "p50 ms", "raw/s", "raw p50 ms", "ratio"]
    return PartResult(
        tables=[("One real AIDA credential, each proof type (single thread)", Table(headers, rows))],
        notes=[
            "`proof check` = `verify_api.verification.securing.check_securing_sync` after `decode_presented`, what "
            "POST /v1/verify runs per credential besides its database reads.",
            "`raw` = Data Integrity: canonicalise document and proof config, SHA-256 both, one Ed25519 verify; "
            "JOSE: `verify_jws` alone. `ratio` = proof-check throughput / raw throughput (target for "
            "eddsa-jcs-2022: >= 0.5).",
        ],
    )


def _b64(value: dict[str, Any]) -> str:
    return encode_base64url(json.dumps(value).encode())


def _jwk_for(header: dict[str, Any], key: IssuerKey) -> dict[str, Any]:
    kid = str(header.get("kid"))
    if kid.startswith("did:key:"):
        return dict(jwk_for_did_key(kid))
    return dict(public_jwk(key.signer.public_key, kid))


register(Part(name="verify", title="Verifications per second per proof type, against the raw bound", run=run))
