"""proofs.sd_jwt reproduces RFC 9901's examples step by step (Disclosure -> digest -> payload -> processed payload ->
Key Binding JWT), and refuses what RFC 9901 §7.1 and §7.3 say MUST be rejected, each with its reason.

Before: there was no SD-JWT; a `~`-separated SD-JWT was "neither a JSON credential nor a compact JWT".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from verify_api.errors import InvalidCredentialError, ProofError
from verify_api.proofs.jws import sign_compact_jws, split_compact_jws, verify_jws
from verify_api.proofs.jws_ecdsa import with_low_s_es256
from verify_api.proofs.multibase import decode_base64url, encode_base64url
from verify_api.proofs.p256 import generate_p256_signer
from verify_api.proofs.sd_jwt import (
    HASH_ALGORITHMS,
    KeyBindingAsk,
    SdJwt,
    check_key_binding,
    check_sd_jwt_typing,
    create_array_disclosure,
    create_object_disclosure,
    decode_disclosure,
    hash_disclosure,
    make_selectively_disclosable,
    process_disclosures,
    split_sd_jwt,
)

VECTORS = json.loads((Path(__file__).parent.parent / "vectors/sd_jwt/rfc9901-examples.json").read_text("utf-8"))
EXAMPLE_5 = VECTORS["section_5_1"]
PRESENTATION_5_2 = VECTORS["section_5_2"]
KB_TIME = datetime.fromtimestamp(1748537244, UTC)
ONE_DAY = timedelta(days=1)


def test_rfc9901_4_2_1_disclosure_is_base64url_of_the_json_array_and_4_2_3_its_digest() -> None:
    example = VECTORS["section_4_2_1_object_property"]
    # Step 1: the JSON array [salt, claim name, claim value]; step 2: base64url of its UTF-8 bytes.
    assert encode_base64url(example["contents"].encode("utf-8")) == example["disclosure"]
    # §4.2.3: the digest is over the ASCII of the base64url string, not over the bytes it encodes.
    assert hash_disclosure(example["disclosure"]) == example["sha256"]
    decoded = decode_disclosure(example["disclosure"])
    assert (decoded.salt, decoded.name, decoded.value) == ("_26bc4LT-ac6q2KI6cBW5es", "family_name", "Möbius")
    # Other encodings of the same claim decode alike but are other Disclosures, with other digests.
    for other in example["equivalent_disclosures"]:
        same = decode_disclosure(other)
        assert (same.name, same.value) == ("family_name", "Möbius")
        assert same.digest != example["sha256"]


def test_rfc9901_4_2_2_array_element_disclosure_and_digest() -> None:
    example = VECTORS["section_4_2_2_array_element"]
    assert encode_base64url(example["contents"].encode("utf-8")) == example["disclosure"]
    assert hash_disclosure(example["disclosure"]) == example["sha256"]
    decoded = decode_disclosure(example["disclosure"])
    assert (decoded.salt, decoded.name, decoded.value) == ("lklxF5jMYlGTPUovMNIvCA", None, "FR")


@pytest.mark.parametrize("entry", EXAMPLE_5["disclosures"], ids=lambda e: json.loads(e["contents"])[1])
def test_rfc9901_5_1_every_disclosure_step_by_step(entry: dict[str, str]) -> None:
    contents = entry["contents"]
    assert encode_base64url(contents.encode("utf-8")) == entry["disclosure"]
    assert hash_disclosure(entry["disclosure"]) == entry["sha256"]
    assert json.loads(decode_base64url(entry["disclosure"])) == json.loads(contents)
    # Our own encoder writes the same array without the example's spaces: the same claim, another digest.
    values = json.loads(contents)
    ours = create_object_disclosure(values[1], values[2], salt=values[0]) if len(values) == 3 else None
    ours = ours or create_array_disclosure(values[1], salt=values[0])
    assert json.loads(decode_base64url(ours)) == values
    assert hash_disclosure(ours) != entry["sha256"]


def test_rfc9901_5_1_issuer_signed_jwt_lists_each_digest_and_verifies_with_the_a5_key() -> None:
    jws = split_compact_jws(EXAMPLE_5["issuer_signed_jwt"])
    digests = {e["sha256"] for e in EXAMPLE_5["disclosures"]}
    listed = set(jws.payload["_sd"]) | {p["..."] for p in jws.payload["nationalities"]}
    assert listed == digests
    assert jws.payload["_sd_alg"] == "sha-256"
    # The example's signature is in ECDSA's high-S form, accepted (RFC 7518 asks for neither form; proofs/jws_ecdsa.py);
    # its low-S twin is the same signature of the same payload, and both verify with Appendix A.5's key.
    verify_jws(jws, VECTORS["appendix_a_5_issuer_key"])
    verify_jws(split_compact_jws(with_low_s_es256(EXAMPLE_5["issuer_signed_jwt"])), VECTORS["appendix_a_5_issuer_key"])


def test_rfc9901_5_1_sd_jwt_with_all_disclosures_processes_to_the_input_claims() -> None:
    sd_jwt = split_sd_jwt(EXAMPLE_5["sd_jwt"])
    assert sd_jwt.kb_jwt is None
    assert sd_jwt.without_key_binding == EXAMPLE_5["sd_jwt"]
    payload = split_compact_jws(sd_jwt.issuer_jwt).payload
    processed = process_disclosures(payload, sd_jwt.disclosures)
    assert processed.claims["nationalities"] == ["US", "DE"]
    assert processed.claims["address"]["locality"] == "Anytown"
    assert processed.claims["updated_at"] == 1570000000
    assert "_sd" not in processed.claims
    assert "_sd_alg" not in processed.claims
    assert {d.pointer for d in processed.disclosed} >= {"/given_name", "/nationalities/0", "/nationalities/1"}


def test_rfc9901_5_2_presentation_processes_to_the_printed_payload() -> None:
    sd_jwt = split_sd_jwt(PRESENTATION_5_2["sd_jwt_kb"])
    assert len(sd_jwt.disclosures) == 4
    payload = split_compact_jws(sd_jwt.issuer_jwt).payload
    processed = process_disclosures(payload, sd_jwt.disclosures)
    assert processed.claims == PRESENTATION_5_2["processed_payload"]
    assert [d.pointer for d in processed.disclosed] == ["/nationalities/0", "/family_name", "/address", "/given_name"]


def test_rfc9901_5_2_key_binding_jwt_sd_hash_and_signature() -> None:
    sd_jwt = split_sd_jwt(PRESENTATION_5_2["sd_jwt_kb"])
    assert sd_jwt.kb_jwt is not None
    assert split_compact_jws(sd_jwt.kb_jwt).payload == PRESENTATION_5_2["kb_jwt_payload"]
    processed = process_disclosures(split_compact_jws(sd_jwt.issuer_jwt).payload, sd_jwt.disclosures)
    ask = KeyBindingAsk(nonce="1234567890", aud="https://verifier.example.org")
    # The example's KB-JWT is high-S as well; its low-S twin carries the same claims.
    twin = SdJwt(sd_jwt.issuer_jwt, sd_jwt.disclosures, with_low_s_es256(sd_jwt.kb_jwt))
    binding = check_key_binding(twin, processed.claims, "sha-256", ask=ask, now=KB_TIME, max_age=ONE_DAY)
    assert (binding.nonce, binding.aud, binding.issued_at) == (ask.nonce, ask.aud, KB_TIME)
    with pytest.raises(ProofError, match="nonce"):
        check_key_binding(
            twin, processed.claims, "sha-256", ask=KeyBindingAsk(nonce="other"), now=KB_TIME, max_age=ONE_DAY
        )
    with pytest.raises(ProofError, match="not this verifier"):
        check_key_binding(
            twin, processed.claims, "sha-256", ask=KeyBindingAsk(aud="https://x"), now=KB_TIME, max_age=ONE_DAY
        )
    with pytest.raises(ProofError, match="more than"):
        check_key_binding(twin, processed.claims, "sha-256", ask=ask, now=KB_TIME + 2 * ONE_DAY, max_age=ONE_DAY)
    # The same KB-JWT with one Disclosure fewer: sd_hash was taken over another presentation.
    fewer = SdJwt(twin.issuer_jwt, twin.disclosures[:-1], twin.kb_jwt)
    with pytest.raises(ProofError, match="sd_hash"):
        check_key_binding(fewer, processed.claims, "sha-256", ask=ask, now=KB_TIME, max_age=ONE_DAY)


def issuer_payload() -> tuple[dict[str, Any], list[str]]:
    claims = {"sub": "user_42", "given_name": "John", "nationalities": ["US", "DE"], "address": {"locality": "X"}}
    return make_selectively_disclosable(claims, ["/given_name", "/nationalities/1", "/address/locality", "/address"])


def test_make_selectively_disclosable_round_trips_nested_and_array_claims() -> None:
    payload, disclosures = issuer_payload()
    assert "given_name" not in payload
    assert "address" not in payload
    assert payload["nationalities"][0] == "US"
    assert set(payload["nationalities"][1]) == {"..."}
    assert payload["_sd_alg"] == "sha-256"
    assert payload["_sd"] == sorted(payload["_sd"])
    everything = process_disclosures(payload, disclosures)
    assert everything.claims == {
        "sub": "user_42",
        "given_name": "John",
        "nationalities": ["US", "DE"],
        "address": {"locality": "X"},
    }
    nothing = process_disclosures(payload, [])
    assert nothing.claims == {"sub": "user_42", "nationalities": ["US"]}
    assert nothing.disclosed == ()


def test_make_selectively_disclosable_decoys_are_ignored_by_verifiers() -> None:
    payload, disclosures = make_selectively_disclosable({"a": 1, "b": 2}, ["/a"], decoys=3)
    assert len(payload["_sd"]) == 4
    assert process_disclosures(payload, disclosures).claims == {"a": 1, "b": 2}


@pytest.mark.parametrize(
    ("pointers", "words"),
    [
        (["/credentialStatus"], "decides the credential's validity"),
        (["/issuer"], "decides the credential's validity"),
        (["/type/0"], "decides the credential's validity"),
        (["/credentialSubject/nickname"], "names no claim"),
        (["/credentialSubject/name/x"], "names no claim"),
        (["credentialSubject"], "not a JSON Pointer"),
    ],
)
def test_make_selectively_disclosable_refuses_pointers(pointers: list[str], words: str) -> None:
    claims = {
        "issuer": "did:x",
        "type": ["VerifiableCredential"],
        "credentialStatus": {},
        "credentialSubject": {"name": "A"},
    }
    with pytest.raises(InvalidCredentialError, match=words):
        make_selectively_disclosable(claims, pointers)


def test_make_selectively_disclosable_refuses_claims_named_like_digests() -> None:
    with pytest.raises(InvalidCredentialError, match="reserved by SD-JWT"):
        make_selectively_disclosable({"a": {"_sd": []}}, [])


def test_process_disclosures_refuses_a_disclosure_not_listed() -> None:
    payload, _ = issuer_payload()
    stray = create_object_disclosure("given_name", "Mallory")
    with pytest.raises(ProofError, match=r"lists no digest of Disclosure .* \(claim 'given_name'\)"):
        process_disclosures(payload, [stray])


def test_process_disclosures_refuses_a_disclosure_presented_twice() -> None:
    payload, disclosures = issuer_payload()
    with pytest.raises(ProofError, match="presented more than once"):
        process_disclosures(payload, [disclosures[0], disclosures[0]])


def test_process_disclosures_refuses_a_digest_listed_twice() -> None:
    payload, _ = issuer_payload()
    payload["nationalities"].append({"...": payload["nationalities"][1]["..."]})
    with pytest.raises(ProofError, match="appears more than once"):
        process_disclosures(payload, [])


def test_process_disclosures_refuses_a_child_without_its_parent() -> None:
    payload, disclosures = issuer_payload()
    inner = next(d for d in disclosures if decode_disclosure(d).name == "locality")
    with pytest.raises(ProofError, match="claim 'locality'"):
        process_disclosures(payload, [inner])


@pytest.mark.parametrize(
    ("name", "words"),
    [("_sd", "reserves"), ("sub", "already exists"), ("credentialStatus", "must never be selectively disclosable")],
)
def test_process_disclosures_refuses_reserved_or_existing_names(name: str, words: str) -> None:
    disclosure = encode_base64url(json.dumps(["salt-salt-salt-salt", name, 1]).encode())
    payload = {"sub": "user_42", "_sd": [hash_disclosure(disclosure)]}
    with pytest.raises(ProofError, match=words):
        process_disclosures(payload, [disclosure])


def test_process_disclosures_refuses_an_array_disclosure_in_sd_and_the_reverse() -> None:
    element = create_array_disclosure("DE")
    with pytest.raises(ProofError, match="array element but its digest is in an _sd array"):
        process_disclosures({"_sd": [hash_disclosure(element)]}, [element])
    member = create_object_disclosure("a", 1)
    with pytest.raises(ProofError, match="object property but its digest is an array element"):
        process_disclosures({"n": [{"...": hash_disclosure(member)}]}, [member])


@pytest.mark.parametrize(
    ("payload", "words"),
    [
        ({"_sd_alg": "md5"}, "not a hash algorithm"),
        ({"a": {"_sd_alg": "sha-256"}}, "only at the top level"),
        ({"_sd": "abc"}, "not an array of digest strings"),
        ({"a": {"...": "x"}}, "outside an array"),
        ({"a": [{"...": "x", "b": 1}]}, "with other members"),
    ],
)
def test_process_disclosures_refuses_malformed_payloads(payload: dict[str, Any], words: str) -> None:
    with pytest.raises(ProofError, match=words):
        process_disclosures(payload, [])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a.b.c", "an SD-JWT is"),
        ("a.b.c~~", "is empty"),
        ("a.b.c~d~kb", "neither empty"),
    ],
)
def test_split_sd_jwt_refuses_malformed_serialisations(text: str, words: str) -> None:
    with pytest.raises(ProofError, match=words):
        split_sd_jwt(text)


def test_decode_disclosure_refuses_non_arrays() -> None:
    for contents in ('{"a": 1}', '["salt"]', '["s", 1, 2]', '[1, "a", 2]'):
        with pytest.raises(ProofError, match="Disclosure"):
            decode_disclosure(encode_base64url(contents.encode()))


@pytest.mark.parametrize(
    ("header", "words"),
    [
        ({"typ": "vc+jwt"}, "does not mark a credential secured with SD-JWT"),
        ({"typ": "vp+sd-jwt"}, "presentation"),
        ({"typ": "dc+sd-jwt"}, "IETF SD-JWT VC"),
        ({"typ": "vc+sd-jwt", "cty": "vp"}, "is not 'vc'"),
    ],
)
def test_check_sd_jwt_typing_refuses_other_kinds(header: dict[str, str], words: str) -> None:
    with pytest.raises(ProofError, match=words):
        check_sd_jwt_typing(header, {})


def test_check_sd_jwt_typing_accepts_vc_sd_jwt() -> None:
    for header in ({"typ": "vc+sd-jwt", "cty": "vc"}, {"typ": "application/VC+SD-JWT"}, {}):
        check_sd_jwt_typing(header, {})


def test_key_binding_jwt_of_a_fresh_holder_key() -> None:
    holder = generate_p256_signer()
    claims = {"cnf": {"jwk": holder.public_jwk("holder")}}
    sd = SdJwt("h.p.s", ("d1",), None)
    now = datetime(2026, 12, 1, tzinfo=UTC)
    good = {"iat": int(now.timestamp()), "nonce": "n", "aud": "https://v"}

    def with_kb(header: dict[str, str], claims_: dict[str, Any]) -> SdJwt:
        sd_hash = encode_base64url(HASH_ALGORITHMS["sha-256"](sd.without_key_binding.encode()).digest())
        return SdJwt(sd.issuer_jwt, sd.disclosures, sign_compact_jws(header, {**claims_, "sd_hash": sd_hash}, holder))

    check_key_binding(
        with_kb({"alg": "ES256", "typ": "kb+jwt"}, good),
        claims,
        "sha-256",
        ask=KeyBindingAsk("n", "https://v"),
        now=now,
        max_age=ONE_DAY,
    )
    with pytest.raises(ProofError, match="typ"):
        check_key_binding(
            with_kb({"alg": "ES256", "typ": "jwt"}, good),
            claims,
            "sha-256",
            ask=KeyBindingAsk(),
            now=now,
            max_age=ONE_DAY,
        )
    other = {"cnf": {"jwk": generate_p256_signer().public_jwk("other")}}
    with pytest.raises(ProofError, match="holder key"):
        check_key_binding(
            with_kb({"alg": "ES256", "typ": "kb+jwt"}, good),
            other,
            "sha-256",
            ask=KeyBindingAsk(),
            now=now,
            max_age=ONE_DAY,
        )
    with pytest.raises(ProofError, match="names no holder key"):
        check_key_binding(
            with_kb({"alg": "ES256", "typ": "kb+jwt"}, good),
            {},
            "sha-256",
            ask=KeyBindingAsk(),
            now=now,
            max_age=ONE_DAY,
        )
    future = {**good, "iat": int((now + ONE_DAY).timestamp())}
    with pytest.raises(ProofError, match="in the future"):
        check_key_binding(
            with_kb({"alg": "ES256", "typ": "kb+jwt"}, future),
            claims,
            "sha-256",
            ask=KeyBindingAsk(),
            now=now,
            max_age=ONE_DAY * 3,
        )


def test_vc_jose_cose_suite_sd_jwt_of_another_implementation_processes() -> None:
    """An SD-JWT another implementation issued (the VC-JOSE-COSE suite's nested case): every Disclosure matches a
    digest it signed, in a nested object and an array; the wrong-typ one is refused by its typing."""
    vectors = Path(__file__).parent.parent / "vectors/sd_jwt"
    sd_jwt = split_sd_jwt((vectors / "vc-jose-cose-suite-credential-sdjwt-nested.txt").read_text("utf-8"))
    jws = split_compact_jws(sd_jwt.issuer_jwt)
    check_sd_jwt_typing(jws.header, jws.payload)
    processed = process_disclosures(jws.payload, sd_jwt.disclosures)
    subject = processed.claims["credentialSubject"]
    assert subject["address"] == {"street": "123 Main St", "city": "Anytown", "country": "USA", "postalCode": "12345"}
    assert subject["phoneNumbers"][0] == {"number": "+1-555-123-4567", "type": "work"}
    assert [d.pointer for d in processed.disclosed] == [
        "/credentialSubject/address/street",
        "/credentialSubject/address/city",
        "/credentialSubject/phoneNumbers/0",
    ]
    bad = split_sd_jwt((vectors / "vc-jose-cose-suite-credential-sdjwt-bad-media-type.txt").read_text("utf-8"))
    bad_jws = split_compact_jws(bad.issuer_jwt)
    with pytest.raises(ProofError, match="bad\\+typ"):
        check_sd_jwt_typing(bad_jws.header, bad_jws.payload)


def test_process_disclosures_bounds_the_depth_of_recursive_disclosures() -> None:
    """Each Disclosure may hold the digest of the next: a chain of 200 would recurse 200 levels deep."""
    disclosures: list[str] = []
    value: dict[str, Any] = {"a": "leaf"}
    for _ in range(200):
        disclosure = create_object_disclosure("a", value)
        disclosures.append(disclosure)
        value = {"_sd": [hash_disclosure(disclosure)]}
    with pytest.raises(ProofError, match="nest deeper than 64"):
        process_disclosures(value, disclosures)
