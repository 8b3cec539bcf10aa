"""The digest forms VC 2.0 §5.3 relatedResource accepts (verification/data_model.py), read without the app: SRI
hash expressions (standard base64 only) and multibase multihashes (base64url `u`, base58btc `z`, or a bare
digest), each refused with the section named when malformed."""

from __future__ import annotations

import base64
import hashlib

import pytest

from verify_api.errors import InvalidCredentialError
from verify_api.proofs.multibase import encode_base58btc
from verify_api.verification.data_model import check_related_resources, parse_digest_multibase, parse_sri

DIGEST_384 = hashlib.sha384(b"resource").digest()
DIGEST_256 = hashlib.sha256(b"resource").digest()


def test_sri_reads_algorithm_and_standard_base64_and_ignores_options() -> None:
    assert parse_sri("sha384-" + base64.b64encode(DIGEST_384).decode()) == ("sha384", DIGEST_384)
    assert parse_sri("sha256-" + base64.b64encode(DIGEST_256).decode() + "?foo") == ("sha256", DIGEST_256)


@pytest.mark.parametrize(
    "token",
    [
        "md5-" + base64.b64encode(hashlib.md5(b"x").digest()).decode(),  # an algorithm SRI does not allow
        "sha384-" + base64.urlsafe_b64encode(DIGEST_384).decode(),  # base64url is not SRI's alphabet
        "sha384-" + base64.b64encode(DIGEST_256).decode(),  # a sha256-sized digest under sha384
        "sha384",
    ],
)
def test_sri_refuses_what_is_not_a_hash_expression(token: str) -> None:
    with pytest.raises(InvalidCredentialError, match=r"§5\.3"):
        parse_sri(token)


def test_digest_multibase_reads_multihash_in_base64url_and_base58btc_and_a_bare_digest() -> None:
    multihash = b"\x20\x30" + DIGEST_384
    assert parse_digest_multibase("u" + base64.urlsafe_b64encode(multihash).decode().rstrip("=")) == (
        "sha384",
        DIGEST_384,
    )
    assert parse_digest_multibase("z" + encode_base58btc(b"\x12\x20" + DIGEST_256)) == ("sha256", DIGEST_256)
    assert parse_digest_multibase("u" + base64.urlsafe_b64encode(DIGEST_256).decode().rstrip("=")) == (
        "sha256",
        DIGEST_256,
    )


@pytest.mark.parametrize(
    "value",
    [
        "m" + base64.b64encode(DIGEST_256).decode(),  # a multibase this reader does not take
        "u" + base64.urlsafe_b64encode(DIGEST_256[:20]).decode().rstrip("="),  # no SHA-2 has this length
        "u" + base64.urlsafe_b64encode(b"\x12\x20" + DIGEST_256[:31]).decode().rstrip("="),  # truncated multihash
        "u" + base64.urlsafe_b64encode(DIGEST_256).decode(),  # padding is not base64url-no-pad
    ],
)
def test_digest_multibase_refuses_other_forms(value: str) -> None:
    with pytest.raises(InvalidCredentialError, match=r"§5\.3"):
        parse_digest_multibase(value)


def test_a_related_resource_without_a_held_copy_is_well_formed_but_unchecked() -> None:
    sri = "sha384-" + base64.b64encode(DIGEST_384).decode()
    check_related_resources({"id": "https://example.com/r", "digestSRI": sri})  # no copy: nothing to compare
    with pytest.raises(InvalidCredentialError, match="does not match"):
        check_related_resources({"id": "https://www.w3.org/ns/credentials/v2", "digestSRI": sri})
