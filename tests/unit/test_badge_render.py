"""Badge rendering: the five tier designs as SVG and PNG, their QR codes, accessibility, status overlays."""

from __future__ import annotations

import datetime
import io
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
import zxingcpp
from PIL import Image

from verify_api.badges.baking import bake_png, bake_svg, unbake_png, unbake_svg
from verify_api.badges.content import STATUSES, TIERS, BadgeContent
from verify_api.badges.design import PALETTES
from verify_api.badges.layout import TEXT_WIDTH
from verify_api.badges.png import render_badge_png, render_badge_png_sync
from verify_api.badges.png_baking import read_chunks
from verify_api.badges.svg import render_badge_svg, render_badge_svg_sync
from verify_api.badges.typography import text_width

ARTIFACTS = Path(__file__).parents[2] / "test-artifacts" / "badges"
SVG = "{http://www.w3.org/2000/svg}"
TITLES = {
    "AIDA": "AIDA · PSF Foundations",
    "CPAP": "CPAP · Certified Production AI Practitioner",
    "CPAA": "CPAA · Certified Production AI Architect",
    "CAI": "CAI · Certified AI Implementer",
    "CAE": "CAE · Certified AI Enterprise",
}
PAGE_URL = "https://verify.pai.org/c/01JD8ZK3M9QXD4ABCDEF1234"
OFFLINE = "PAI1:7K3M9QXD4:CPAA:20250312:20280312:7DQ5K2M8XW4N6PJ3RT9VB2HC5YF8ZL3GS6AE4UK9MD2QW7XN5PJ8RT3VB6HC"


def make_content(**overrides: Any) -> BadgeContent:
    fields: dict[str, Any] = {
        "tier": "AIDA",
        "tier_title": TITLES["AIDA"],
        "subject_name": "José Müller-Lüdenscheidt",
        "subject_kind": "person",
        "valid_from": datetime.date(2025, 3, 12),
        "valid_until": datetime.date(2028, 3, 12),
        "verification_code": "PAI-7K3M-9QXD-4",
        "verify_url": "verify.pai.org/c/7k3m9qxd",
        "page_url": PAGE_URL,
        "status": "active",
    }
    fields.update(overrides)
    if "tier" in overrides and "tier_title" not in overrides:
        fields["tier_title"] = TITLES[fields["tier"]]
    return BadgeContent(**fields)


def save(name: str, data: bytes | str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def decode_qr_texts(png: bytes) -> set[str]:
    image = Image.open(io.BytesIO(png)).convert("L")
    return {barcode.text for barcode in zxingcpp.read_barcodes(image)}


def svg_texts(svg: str) -> list[str]:
    return ["".join(node.itertext()) for node in ElementTree.fromstring(svg).iter(f"{SVG}text")]


@pytest.mark.parametrize("tier", TIERS)
def test_render_png_tier_qr_decodes_to_page_url(tier: str) -> None:
    png = render_badge_png_sync(make_content(tier=tier))
    save(f"{tier}.png", png)
    save(f"{tier}.svg", render_badge_svg_sync(make_content(tier=tier)))
    assert Image.open(io.BytesIO(png)).size == (600, 800)
    assert decode_qr_texts(png) == {PAGE_URL}


def test_render_png_offline_qr_decodes_to_its_text() -> None:
    content = make_content(tier="CPAA", offline_qr=OFFLINE)
    png = render_badge_png_sync(content)
    save("CPAA-offline.png", png)
    save("CPAA-offline.svg", render_badge_svg_sync(content))
    assert decode_qr_texts(png) == {PAGE_URL, OFFLINE}


def test_render_png_at_double_scale_is_larger_and_scannable() -> None:
    png = render_badge_png_sync(make_content(offline_qr=OFFLINE), scale=2.0)
    assert Image.open(io.BytesIO(png)).size == (1200, 1600)
    assert decode_qr_texts(png) == {PAGE_URL, OFFLINE}


def test_render_png_rejects_an_absurd_scale() -> None:
    with pytest.raises(ValueError, match="scale must be between"):
        render_badge_png_sync(make_content(), scale=40)


def test_render_png_is_deterministic_and_has_no_metadata() -> None:
    content = make_content(status="revoked", offline_qr=OFFLINE)
    first = render_badge_png_sync(content)
    assert render_badge_png_sync(content) == first
    assert {chunk.kind for chunk in read_chunks(first)} == {b"IHDR", b"IDAT", b"IEND"}


def test_render_svg_is_deterministic() -> None:
    content = make_content(status="expired", offline_qr=OFFLINE)
    assert render_badge_svg_sync(content) == render_badge_svg_sync(content)


def test_render_svg_tiers_have_distinct_designs() -> None:
    svgs = {tier: render_badge_svg_sync(make_content(tier=tier)) for tier in TIERS}
    assert len({PALETTES[tier].primary for tier in TIERS}) == len(TIERS)
    for tier, svg in svgs.items():
        assert PALETTES[tier].primary in svg
        others = {PALETTES[other].primary for other in TIERS if other != tier}
        assert not any(colour in svg for colour in others), tier
    emblems = {svg.split("</desc>", 1)[1].split('<path d="M60 482')[0] for svg in svgs.values()}
    assert len(emblems) == len(TIERS)


def test_render_svg_is_accessible_xml() -> None:
    content = make_content()
    svg = render_badge_svg_sync(content)
    root = ElementTree.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None
    assert desc is not None
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert desc.text is not None
    for fact in (
        "AIDA",
        content.subject_name,
        "12 Mar 2025",
        "12 Mar 2028",
        "Status: active",
        "PAI-7K3M-9QXD-4",
    ):
        assert fact in desc.text
    texts = svg_texts(svg)
    for shown in ("PRODUCTION AI INSTITUTE", "AIDA", TITLES["AIDA"], content.subject_name):
        assert shown in texts
    assert "Valid 12 Mar 2025 – 12 Mar 2028" in texts
    assert "Verify at verify.pai.org/c/7k3m9qxd" in texts
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in svg
    assert "<image" not in svg


def test_render_svg_escapes_hostile_names() -> None:
    name = "<script>alert(\"x\")</script> & 'Co'"
    svg = render_badge_svg_sync(make_content(subject_name=name))
    assert "<script>" not in svg
    assert name in svg_texts(svg)
    assert "&lt;script&gt;" in svg


def test_render_svg_strips_control_and_bidi_override_characters() -> None:
    svg = render_badge_svg_sync(make_content(subject_name="Ada\x00\x1b \u202eLovelace\ufffe"))
    assert "Ada Lovelace" in svg_texts(svg)
    assert "\u202e" not in svg


def test_render_svg_keeps_right_to_left_names() -> None:
    svg = render_badge_svg_sync(make_content(subject_name="מרים כהן"))
    save("AIDA-rtl.svg", svg)
    save("AIDA-rtl.png", render_badge_png_sync(make_content(subject_name="מרים כהן")))
    assert "מרים כהן" in svg_texts(svg)
    assert 'unicode-bidi="plaintext"' in svg


def test_render_svg_truncates_long_names_with_ellipsis() -> None:
    name = "Wolfeschlegelsteinhausenbergerdorff " * 8
    content = make_content(subject_name=name, subject_kind="organization", tier="CAE")
    svg = render_badge_svg_sync(content)
    save("CAE-long-name.png", render_badge_png_sync(content))
    (shown,) = [text for text in svg_texts(svg) if text.startswith("Wolfe")]
    assert shown.endswith("…")
    assert text_width(shown, 20, bold=True) <= TEXT_WIDTH
    desc = ElementTree.fromstring(svg).find(f"{SVG}desc")
    assert desc is not None
    assert desc.text is not None
    assert name.strip() in desc.text  # the text alternative keeps the full name


@pytest.mark.parametrize("status", [s for s in STATUSES if s != "active"])
def test_render_non_active_status_shows_overlay_word(status: str) -> None:
    content = make_content(tier="CPAP", status=status)
    svg = render_badge_svg_sync(content)
    png = render_badge_png_sync(content)
    save(f"CPAP-{status}.png", png)
    assert status.upper() in svg_texts(svg)
    assert png != render_badge_png_sync(make_content(tier="CPAP"))
    assert decode_qr_texts(png) == {PAGE_URL}  # the overlay never hides the QR


def test_render_active_status_has_no_overlay() -> None:
    texts = svg_texts(render_badge_svg_sync(make_content()))
    assert not {"EXPIRED", "SUSPENDED", "REVOKED", "SUPERSEDED"} & set(texts)


def test_render_then_bake_round_trips_both_formats() -> None:
    content = make_content(tier="CAI")
    credential = '{"id": "urn:uuid:7"}'
    baked_png = bake_png(render_badge_png_sync(content), credential)
    baked_svg = bake_svg(render_badge_svg_sync(content), credential)
    assert unbake_png(baked_png) == credential
    assert unbake_svg(baked_svg.encode()) == credential
    assert decode_qr_texts(baked_png) == {PAGE_URL}
    root = ElementTree.fromstring(baked_svg)
    assert root[0].tag == "{https://purl.imsglobal.org/ob/v3p0}credential"


async def test_render_async_twins_match_sync() -> None:
    content = make_content(tier="CAE", subject_kind="organization")
    assert await render_badge_svg(content) == render_badge_svg_sync(content)
    assert await render_badge_png(content) == render_badge_png_sync(content)
