"""verify_api.verification without a database: every proof type's known-good vector, and the mutations each must
reject (changed claim, changed proof field, wrong key, wrong cryptosuite, bad multibase, missing proofPurpose,
alg none, HMAC with a public key, expired, not yet valid)."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey, RSAKey

from tests.unit.test_jose import low_s
from verify_api.errors import InvalidCredentialError, UnsupportedMediaTypeError
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import Signer, did_key_for, did_key_verification_method, generate_signer, public_jwk
from verify_api.proofs.multibase import decode_base64url, encode_base64url, encode_multibase_base58btc
from verify_api.verification.assessment import build_report, unreadable_report
from verify_api.verification.document import read_credential_shape
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presented import ACCEPTED_MEDIA_TYPES, decode_presented
from verify_api.verification.securing import check_securing_sync

if TYPE_CHECKING:
    from verify_api.verification.report import VerificationReport

VECTORS = Path(__file__).parent.parent / "vectors"
PAI_DID = "did:web:verify.test.example"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
SIGNED = {
    "eddsa-rdfc-2022": "eddsa/eddsa-rdfc-2022/signedDataInt.json",
    "eddsa-jcs-2022": "eddsa/eddsa-jcs-2022/signedJCS.json",
    "Ed25519Signature2020": "eddsa/Ed25519Signature2020/signedEdSig.json",
}


def verify(
    body: bytes | dict[str, Any] | str, content_type: str = "application/json", now: datetime = NOW
) -> VerificationReport:
    """The service's pipeline minus the register (these issuers are not the PAI)."""
    raw = json.dumps(body).encode() if isinstance(body, dict) else body.encode() if isinstance(body, str) else body
    presented = decode_presented(raw, content_type)
    if presented.error is not None or presented.document is None:
        return unreadable_report(presented, presented.error or "empty")
    securing = check_securing_sync(presented, KeyRing(PAI_DID, []), now=now)
    try:
        shape = read_credential_shape(presented.document)
    except InvalidCredentialError as exc:
        return unreadable_report(presented, exc.detail, securing)
    return build_report(presented, shape, securing, pai_did=PAI_DID, now=now, register=None)


def result(report: VerificationReport, name: str) -> tuple[str, str]:
    check = next(c for c in report.checks if c.name == name)
    return check.result, check.detail


def vector(suite: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((VECTORS / SIGNED[suite]).read_text())
    return document


def did_key_credential(signer: Signer, suite: str = "eddsa-jcs-2022", **members: Any) -> dict[str, Any]:
    did = did_key_for(signer.public_key)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
        **members,
    }
    return add_proof(
        unsigned,
        signer,
        cryptosuite=suite,
        verification_method=did_key_verification_method(signer.public_key),
        created="2026-01-01T00:00:00Z",
    )


@pytest.mark.parametrize("suite", list(SIGNED))
def test_verification_known_vector_proof_passes(suite: str) -> None:
    report = verify(vector(suite))
    assert result(report, "proof")[0] == "passed"
    assert result(report, "format")[0] == "passed"
    assert report.issuer.classification == "other"


@pytest.mark.parametrize("suite", list(SIGNED))
def test_verification_changed_claim_fails_proof(suite: str) -> None:
    document = vector(suite)
    document["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    status, detail = result(verify(document), "proof")
    assert status == "failed"
    assert "does not verify" in detail


@pytest.mark.parametrize("suite", list(SIGNED))
def test_verification_changed_proof_field_fails(suite: str) -> None:
    document = vector(suite)
    document["proof"]["created"] = "2023-02-24T23:36:39Z"
    assert result(verify(document), "proof")[0] == "failed"


@pytest.mark.parametrize("suite", list(SIGNED))
def test_verification_wrong_key_fails(suite: str) -> None:
    document = vector(suite)
    document["proof"]["verificationMethod"] = did_key_verification_method(generate_signer().public_key)
    status, detail = result(verify(document), "proof")
    assert status == "failed"
    assert "signature does not verify" in detail


def test_verification_wrong_cryptosuite_fails() -> None:
    document = vector("eddsa-rdfc-2022")
    document["proof"]["cryptosuite"] = "eddsa-jcs-2022"
    assert result(verify(document), "proof")[0] == "failed"
    document["proof"]["cryptosuite"] = "bbs-2023"
    assert "unsupported cryptosuite 'bbs-2023'" in result(verify(document), "proof")[1]


def test_verification_bad_multibase_fails() -> None:
    document = vector("eddsa-jcs-2022")
    document["proof"]["proofValue"] = "z" + "0OIl" + document["proof"]["proofValue"][5:]
    assert "not valid multibase" in result(verify(document), "proof")[1]
    document["proof"]["proofValue"] = "u" + document["proof"]["proofValue"][1:]
    assert "prefix 'z'" in result(verify(document), "proof")[1]


def test_verification_missing_proof_purpose_fails() -> None:
    document = vector("eddsa-rdfc-2022")
    del document["proof"]["proofPurpose"]
    assert "proof has no proofPurpose" in result(verify(document), "proof")[1]
    document["proof"]["proofPurpose"] = "authentication"
    assert "expected 'assertionMethod'" in result(verify(document), "proof")[1]


def test_verification_missing_proof_fails() -> None:
    document = vector("eddsa-rdfc-2022")
    del document["proof"]
    report = verify(document)
    assert result(report, "proof")[0] == "failed"
    assert report.verified is False


def test_verification_did_key_issuer_is_valid_but_not_pai() -> None:
    report = verify(did_key_credential(generate_signer()))
    assert report.verified is True
    assert report.issuer.classification == "other"
    assert "not issued by the Production AI Institute" in report.summary


def test_verification_expired_and_not_yet_valid_fail() -> None:
    signer = generate_signer()
    expired = did_key_credential(signer, validUntil="2026-06-01T00:00:00Z")
    assert result(verify(expired), "valid until") == ("failed", "expired on 2026-06-01T00:00:00+00:00")
    future = did_key_credential(signer, validFrom="2027-01-01T00:00:00Z")
    assert result(verify(future), "valid from") == ("failed", "not valid before 2027-01-01T00:00:00+00:00")
    assert verify(future, now=NOW + timedelta(days=400)).verified is True


def test_verification_claiming_pai_with_foreign_key_fails_issuer() -> None:
    signer = generate_signer()
    document = did_key_credential(signer, issuer=PAI_DID)
    report = verify(document)
    assert result(report, "proof")[0] == "passed"
    assert result(report, "issuer")[0] == "failed"
    assert report.issuer.classification == "other"


def test_verification_unknown_context_names_the_url() -> None:
    document = did_key_credential(generate_signer())
    document["@context"].append("https://contexts.example/unknown/v1")
    status, detail = result(verify(document), "format")
    assert status == "failed"
    assert "'https://contexts.example/unknown/v1' is not bundled" in detail


def test_verification_ob3_sample_is_not_pai() -> None:
    report = verify((VECTORS / "ob3" / "simple.json").read_bytes())
    assert result(report, "proof")[0] == "passed"
    assert result(report, "issuer")[0] == "could not check"
    assert report.issuer.classification == "other"
    assert report.verified is False


@pytest.mark.parametrize("name", ["simple-jwt.png", "simple-jwt.svg", "simple-json.png", "simple-json.svg"])
def test_verification_ob3_baked_badges_verify_as_foreign(name: str) -> None:
    media = "image/png" if name.endswith(".png") else "image/svg+xml"
    report = verify((VECTORS / "ob3" / name).read_bytes(), media)
    assert result(report, "proof")[0] == "passed", report.checks
    assert report.issuer.classification == "other"


def test_verification_ob3_jwt_without_key_could_not_check() -> None:
    token = (VECTORS / "ob3" / "simple.jwt.txt").read_text()
    status, detail = result(verify(token, "application/vc+jwt"), "proof")
    assert status == "could not check"
    assert "never fetched" in detail


def _jwt(header: dict[str, Any], payload: dict[str, Any], sign: Any) -> str:
    signing_input = f"{encode_base64url(json.dumps(header).encode())}.{encode_base64url(json.dumps(payload).encode())}"
    return f"{signing_input}.{encode_base64url(sign(signing_input.encode()))}"


def vc_payload(issuer: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"id": "did:example:holder"},
    }


def test_verification_vc_jose_eddsa_did_key_verifies() -> None:
    signer = generate_signer()
    did = did_key_for(signer.public_key)
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": did_key_verification_method(signer.public_key)}
    report = verify(_jwt(header, vc_payload(did), signer.sign), "application/vc+jwt")
    assert report.verified is True, report.checks
    assert report.presented_as == "JWT, JWS EdDSA (VC-JOSE)"


def test_verification_vc_jose_es256_did_key_verifies() -> None:
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    x, y = decode_base64url(str(public["x"])), decode_base64url(str(public["y"]))
    did = "did:key:" + encode_multibase_base58btc(b"\x80\x24" + bytes([2 + (y[-1] & 1)]) + x)
    payload = json.dumps(vc_payload(did)).encode()
    token = joserfc_jws.serialize_compact({"alg": "ES256", "kid": did}, payload, key, algorithms=["ES256"])
    report = verify(low_s(token), "application/jwt")
    assert report.verified is True, report.checks


def test_verification_vc_jwt_11_rs256_embedded_jwk_ob_only() -> None:
    key = RSAKey.generate_key(2048)
    ob_vc = {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": "https://issuer.example/profile"},
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder"},
    }
    claims = {"vc": ob_vc, "iss": "https://issuer.example/profile", "nbf": 1767225600}
    header = {"alg": "RS256", "jwk": key.as_dict(private=False)}
    token = joserfc_jws.serialize_compact(header, json.dumps(claims).encode(), key, algorithms=["RS256"])
    report = verify(token, "text/plain")
    assert result(report, "proof")[0] == "passed"
    assert "embedded in the JWT itself" in result(report, "issuer")[1]
    plain = dict(claims, vc=dict(ob_vc, type=["VerifiableCredential"]))
    token = joserfc_jws.serialize_compact(header, json.dumps(plain).encode(), key, algorithms=["RS256"])
    assert "only the Open Badges 3.0 JWT form allows" in result(verify(token, "text/plain"), "proof")[1]


def test_verification_jwt_alg_none_and_hmac_confusion_fail() -> None:
    signer = generate_signer()
    did = did_key_for(signer.public_key)
    kid = did_key_verification_method(signer.public_key)
    unsigned = _jwt({"alg": "none", "kid": kid}, vc_payload(did), lambda _: b"")
    assert "alg 'none' is refused" in result(verify(unsigned + "AA", "application/vc+jwt"), "proof")[1]
    secret = json.dumps(public_jwk(signer.public_key, kid)).encode()
    forged = _jwt({"alg": "HS256", "kid": kid}, vc_payload(did), lambda m: hmac.new(secret, m, hashlib.sha256).digest())
    assert "shared-secret HMAC" in result(verify(forged, "application/vc+jwt"), "proof")[1]


def test_verification_jwt_iss_mismatch_fails() -> None:
    signer = generate_signer()
    did = did_key_for(signer.public_key)
    header = {"alg": "EdDSA", "kid": did_key_verification_method(signer.public_key)}
    claims = {"vc": vc_payload(did), "iss": "did:key:someone-else"}
    assert (
        "does not match the credential's issuer"
        in result(verify(_jwt(header, claims, signer.sign), "application/jwt"), "proof")[1]
    )


def test_decode_presented_unsupported_type_lists_accepted() -> None:
    with pytest.raises(UnsupportedMediaTypeError, match="application/json, application/vc") as caught:
        decode_presented(b"{}", "application/xml")
    assert caught.value.accepted == ACCEPTED_MEDIA_TYPES
    with pytest.raises(UnsupportedMediaTypeError, match="no Content-Type"):
        decode_presented(b"{}", "")


def test_verification_garbage_is_a_failed_format_check() -> None:
    report = verify(b"\x00\x01not json", "application/json")
    assert result(report, "format")[0] == "failed"
    assert report.issuer.classification == "unknown"
    deep: dict[str, Any] = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    assert "nests deeper" in result(verify(dict(did_key_credential(generate_signer()), x=deep)), "format")[1]


def test_verification_mutating_any_signed_byte_fails() -> None:
    """Every string value of a signed document, changed by one character, fails the proof (jcs and rdfc)."""
    for suite in ("eddsa-jcs-2022", "eddsa-rdfc-2022"):
        original = did_key_credential(generate_signer(), suite, name="Example", description="A credential")
        for path in (("name",), ("description",), ("credentialSubject", "id"), ("validFrom",), ("proof", "created")):
            document = copy.deepcopy(original)
            target = document
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = target[path[-1]].replace("e", "f", 1).replace("0", "1", 1)
            assert result(verify(document), "proof")[0] == "failed", (suite, path)
