"""Render a badge as a self-contained SVG: vector shapes, real `<text>` and a one-path QR code."""

from __future__ import annotations

import asyncio
from xml.sax.saxutils import escape

from verify_api.badges.content import BadgeContent, cache_key
from verify_api.badges.design import (
    FONT_STACK,
    HEIGHT,
    OVERLAY_ALPHA,
    OVERLAY_ANGLE,
    OVERLAY_CENTRE,
    PALETTES,
    PAPER,
    RULE,
    STATUS_OVERLAY,
    WIDTH,
    Box,
    Circle,
    Shape,
    TextLine,
    card_outline,
    facet_outline,
    footer_outline,
    header_outline,
    mix,
    overlay_band,
    overlay_text,
)
from verify_api.badges.emblem import emblem_shapes
from verify_api.badges.layout import build_layout, subject_label
from verify_api.badges.qr import OFFLINE_LEVEL, ErrorLevel, qr_svg_path
from verify_api.badges.typography import clean_text
from verify_api.domain.dates import short_date

SVG_NS = "http://www.w3.org/2000/svg"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _points(points: list[tuple[float, float]]) -> str:
    return "M" + " ".join(f"{_num(x)} {_num(y)}" for x, y in points) + "Z"


def _paint(fill: str | None, stroke: str | None, width: float) -> str:
    paint = f' fill="{fill}"' if fill else ' fill="none"'
    if stroke:
        paint += f' stroke="{stroke}" stroke-width="{_num(width)}"'
    return paint


def _shape(shape: Shape) -> str:
    if isinstance(shape, Circle):
        return (
            f'<circle cx="{_num(shape.cx)}" cy="{_num(shape.cy)}" r="{_num(shape.r)}"'
            f"{_paint(shape.fill, shape.stroke, shape.stroke_width)}/>"
        )
    return f'<path d="{_points(shape.points)}"{_paint(shape.fill, shape.stroke, shape.stroke_width)}/>'


def _text(line: TextLine, extra: str = "") -> str:
    weight = ' font-weight="bold"' if line.bold else ""
    return (
        f'<text x="{_num(line.x)}" y="{_num(line.y)}" font-size="{_num(line.size)}" fill="{line.fill}"'
        f' text-anchor="{line.anchor}"{weight}{extra}>{escape(line.text)}</text>'
    )


def _qr(text: str, box: Box, level: ErrorLevel = "M") -> str:
    return (
        f'<rect x="{_num(box.x)}" y="{_num(box.y)}" width="{_num(box.size)}" height="{_num(box.size)}"'
        f' fill="#FFFFFF"/>{qr_svg_path(text, box.x, box.y, box.size, level)}'
    )


def badge_description(content: BadgeContent) -> str:
    """The long text alternative: tier, holder, validity, status and verification code."""
    holder = "organisation" if content.subject_kind == "organization" else "holder"
    return (
        f"Production AI Institute {content.tier} credential ({clean_text(content.tier_title)}). "
        f"{holder.capitalize()}: {clean_text(content.subject_name)}. "
        f"Valid from {short_date(content.valid_from)} until {short_date(content.valid_until)}. "
        f"Status: {content.status}. Verification code: {clean_text(content.verification_code)}. "
        f"Verify at {clean_text(content.verify_url)}."
    )


def _overlay(word: str, colour: str) -> str:
    cx, cy = OVERLAY_CENTRE
    text, size = overlay_text(word)
    line = TextLine(text=text, x=cx, y=cy + 0.36 * size, size=size, fill="#FFFFFF", bold=True)
    return (
        f'<g aria-hidden="true"><path d="{_points(overlay_band())}" fill="{colour}"'
        f' fill-opacity="{_num(OVERLAY_ALPHA / 255)}"'
        f' stroke="#FFFFFF" stroke-width="3"/>'
        f'<g transform="rotate({_num(-OVERLAY_ANGLE)} {_num(cx)} {_num(cy)})">'
        f"{_text(line)}</g></g>"
    )


def render_badge_svg_sync(content: BadgeContent) -> str:
    """Return the badge as an SVG document (UTF-8 text, no XML declaration, ~600 x 800)."""
    palette = PALETTES[content.tier]
    layout = build_layout(content)
    uid = "pai-" + cache_key(content, "svg")[:10]
    title = f"{content.tier} credential of the Production AI Institute, {subject_label(content).lower()} "
    title += clean_text(content.subject_name)
    parts = [
        f'<svg xmlns="{SVG_NS}" xmlns:openbadges="{OB3_NS}" width="{WIDTH}" height="{HEIGHT}"'
        f' viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="{uid}-title {uid}-desc"'
        f' font-family="{_attr(FONT_STACK)}">',
        f'<title id="{uid}-title">{escape(title)}</title>',
        f'<desc id="{uid}-desc">{escape(badge_description(content))}</desc>',
        f'<defs><clipPath id="{uid}-card"><path d="{_points(card_outline())}"/></clipPath></defs>',
        f'<g clip-path="url(#{uid}-card)">',
        f'<path d="{_points(card_outline())}" fill="{PAPER}"/>',
        f'<path d="{_points(header_outline())}" fill="{palette.primary}"/>',
        f'<path d="{_points(facet_outline())}" fill="{mix(palette.primary, "#FFFFFF", 0.07)}"/>',
        f'<path d="{_points(footer_outline())}" fill="{palette.primary}"/>',
        *(_shape(shape) for shape in emblem_shapes(content.tier)),
        f'<path d="M60 482H540" stroke="{RULE}" stroke-width="1.5"/>',
        _qr(content.page_url, layout.main_qr),
    ]
    if layout.offline_qr is not None and content.offline_qr:
        parts.append(_qr(content.offline_qr, layout.offline_qr, OFFLINE_LEVEL))
    # the holder's name may be right-to-left: let its own first strong character set its direction
    parts += [_text(line, ' unicode-bidi="plaintext"' if line.role == "subject" else "") for line in layout.lines]
    overlay = STATUS_OVERLAY.get(content.status)
    if overlay is not None:
        parts.append(_overlay(*overlay))
    parts += [
        "</g>",
        f'<path d="{_points(card_outline())}" fill="none" stroke="{mix(palette.primary, "#FFFFFF", 0.6)}"'
        ' stroke-width="2"/>',
        "</svg>",
    ]
    return "".join(parts)


async def render_badge_svg(content: BadgeContent) -> str:
    """`render_badge_svg_sync` in a worker thread, so the event loop stays free."""
    return await asyncio.to_thread(render_badge_svg_sync, content)
