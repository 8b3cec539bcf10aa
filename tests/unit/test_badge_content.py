"""Badge content, cache keys, QR encoding and text fitting."""

from __future__ import annotations

import datetime
import re
from typing import Any

import msgspec
import pytest
import zxingcpp
from PIL import Image, ImageDraw

from verify_api.badges.content import BadgeContent, cache_key
from verify_api.badges.qr import (
    QUIET_ZONE,
    draw_qr_png,
    is_alphanumeric,
    qr_matrix,
    qr_segment_modes,
    qr_svg_path,
)
from verify_api.badges.typography import ELLIPSIS, clean_text, ellipsize, fit_text, text_width


def make_content(**overrides: Any) -> BadgeContent:
    fields: dict[str, Any] = {
        "tier": "CPAA",
        "tier_title": "CPAA · Certified Production AI Architect",
        "subject_name": "Grace Hopper",
        "subject_kind": "person",
        "valid_from": datetime.date(2025, 1, 1),
        "valid_until": datetime.date(2028, 1, 1),
        "verification_code": "PAI-7K3M-9QXD-4",
        "verify_url": "verify.pai.org/c/abc",
        "page_url": "https://verify.pai.org/c/abc",
        "status": "active",
    }
    fields.update(overrides)
    return BadgeContent(**fields)


def test_cache_key_is_stable_hex_sha256() -> None:
    key = cache_key(make_content(), "svg")
    assert re.fullmatch(r"[0-9a-f]{64}", key)
    assert cache_key(make_content(), "svg") == key


@pytest.mark.parametrize(
    "change",
    [
        {"status": "revoked"},
        {"subject_name": "Grace M. Hopper"},
        {"offline_qr": "PAI1:X"},
        {"page_url": "https://x/"},
    ],
)
def test_cache_key_changes_with_any_field(change: dict[str, Any]) -> None:
    assert cache_key(make_content(**change), "png") != cache_key(make_content(), "png")


def test_cache_key_depends_on_format_and_png_scale() -> None:
    content = make_content()
    keys = {cache_key(content, "svg"), cache_key(content, "png"), cache_key(content, "png", scale=2.0)}
    assert len(keys) == 3
    assert cache_key(content, "svg", scale=2.0) == cache_key(content, "svg")


def test_cache_key_rejects_unknown_format() -> None:
    with pytest.raises(ValueError, match="unknown badge format 'gif'"):
        cache_key(make_content(), "gif")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tier": "XYZ"}, "unknown tier 'XYZ'"),
        ({"status": "deleted"}, "unknown status 'deleted'"),
        ({"subject_kind": "robot"}, "unknown subject kind"),
        ({"valid_until": datetime.date(2024, 1, 1)}, "valid_until is before valid_from"),
        ({"page_url": ""}, "page_url is empty"),
    ],
)
def test_badge_content_rejects_invalid_values(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_content(**change)


def test_badge_content_converts_from_plain_data() -> None:
    raw = msgspec.to_builtins(make_content())
    assert msgspec.convert(raw, BadgeContent) == make_content()


def test_qr_matrix_is_square_with_a_valid_version_size() -> None:
    matrix = qr_matrix("https://verify.pai.org/c/abc")
    assert len(matrix) == len(matrix[0])
    assert (len(matrix) - 17) % 4 == 0


def test_qr_alphanumeric_text_uses_alphanumeric_mode() -> None:
    text = "PAI1:7K3M9QXD4:CPAA:20250101:20280101:7DQ5K2M8XW4N6PJ3RT9VB2HC5YF8"
    assert is_alphanumeric(text)
    assert set(qr_segment_modes(text)) <= {"alphanumeric", "numeric"}
    assert "alphanumeric" in qr_segment_modes(text)
    assert "byte" in qr_segment_modes("https://verify.pai.org/c/abc")
    assert not is_alphanumeric("pai1:lowercase")


def test_qr_svg_path_draws_exactly_the_dark_modules() -> None:
    text = "https://verify.pai.org/c/abc"
    element = qr_svg_path(text, 10, 20, 200)
    assert element.count("<path") == 1
    assert 'shape-rendering="crispEdges"' in element
    matrix = qr_matrix(text)
    drawn = [[False] * len(matrix) for _ in matrix]
    data = re.search(r' d="([^"]+)"', element)
    assert data is not None
    for x, y, n in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", data.group(1)):
        for col in range(int(x), int(x) + int(n)):
            drawn[int(y)][col] = True
    assert drawn == matrix
    module = 200 / (len(matrix) + 2 * QUIET_ZONE)
    assert f"translate({10 + 4 * module:.3f}".rstrip("0") in element


def test_draw_qr_png_is_crisp_and_decodes() -> None:
    text = "https://verify.pai.org/c/abc"
    image = Image.new("L", (160, 160), 255)
    module = draw_qr_png(ImageDraw.Draw(image), text, 0, 0, 160, dark="#000000")
    assert module == 160 // (len(qr_matrix(text)) + 2 * QUIET_ZONE)
    colours = image.getcolors()
    assert colours is not None
    assert {value for _, value in colours} == {0, 255}  # no grey anti-aliasing
    assert [b.text for b in zxingcpp.read_barcodes(image)] == [text]


def test_clean_text_removes_controls_and_collapses_spaces() -> None:
    assert clean_text("  Ada\t\x00Love\u202elace \n ") == "Ada Love lace"
    assert clean_text("Jose\u0301") == "José"  # NFC


def test_ellipsize_keeps_short_text() -> None:
    assert ellipsize("Ada", 20, 500) == "Ada"


def test_ellipsize_cuts_to_fit_without_dangling_marks() -> None:
    text = "Zoe\u0308 " * 40
    cut = ellipsize(text, 20, 200)
    assert cut.endswith(ELLIPSIS)
    assert text_width(cut, 20) <= 200
    assert not cut[:-1].endswith((" ", "\u0308"))


def test_fit_text_shrinks_before_cutting() -> None:
    text = "Certified Production AI Practitioner"
    fitted, size = fit_text(text, 40, text_width(text, 30), min_size=20)
    assert fitted == text
    assert size <= 30
