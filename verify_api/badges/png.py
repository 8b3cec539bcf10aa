"""Render a badge as a PNG with Pillow: the SVG's design, drawn without any SVG rasteriser.

Shapes and text are drawn at `SUPERSAMPLE` times the output size and box-downsampled, which
anti-aliases Pillow's hard-edged polygons. The QR codes are drawn afterwards, at the output size
and a whole-pixel module size, so they stay crisp for scanners. Output depends only on the content
and `scale`: no timestamps or other ancillary chunks are written.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from verify_api.badges import design
from verify_api.badges.emblem import emblem_shapes
from verify_api.badges.layout import build_layout
from verify_api.badges.qr import OFFLINE_LEVEL, draw_qr_png
from verify_api.badges.typography import load_font

if TYPE_CHECKING:
    from verify_api.badges.content import BadgeContent

SUPERSAMPLE = 3
MIN_SCALE = 0.5
MAX_SCALE = 4.0


def _scaled(points: list[tuple[float, float]], k: float) -> list[tuple[float, float]]:
    return [(x * k, y * k) for x, y in points]


def _draw_shape(draw: ImageDraw.ImageDraw, shape: design.Shape, k: float) -> None:
    width = round(shape.stroke_width * k) if shape.stroke else 0
    if isinstance(shape, design.Circle):
        box = (
            (shape.cx - shape.r) * k,
            (shape.cy - shape.r) * k,
            (shape.cx + shape.r) * k,
            (shape.cy + shape.r) * k,
        )
        draw.ellipse(box, fill=shape.fill, outline=shape.stroke, width=width)
    else:
        draw.polygon(_scaled(shape.points, k), fill=shape.fill, outline=shape.stroke, width=width)


def _draw_text(draw: ImageDraw.ImageDraw, line: design.TextLine, k: float) -> None:
    font = load_font(line.size * k, bold=line.bold)
    anchor = "ms" if line.anchor == "middle" else "ls"
    draw.text((line.x * k, line.y * k), line.text, font=font, fill=line.fill, anchor=anchor)


def _draw_overlay(canvas: Image.Image, word: str, colour: str, k: float) -> None:
    """Blend the translucent status band in place, then paste its word, turned to follow the band.

    Only the word's own small image is rotated: rotating a full-canvas layer costs ~10x more.
    """
    rgb = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    ImageDraw.Draw(canvas, "RGBA").polygon(
        _scaled(design.overlay_band(), k), fill=(*rgb, design.OVERLAY_ALPHA), outline="#FFFFFF", width=round(3 * k)
    )
    cx, cy = design.OVERLAY_CENTRE
    text, size = design.overlay_text(word)
    font = load_font(size * k, bold=True)
    left, top, right, bottom = (round(edge) for edge in font.getbbox(text, anchor="mm"))
    pad = round(4 * k)
    label = Image.new("RGBA", (right - left + 2 * pad, bottom - top + 2 * pad), (255, 255, 255, 0))
    ImageDraw.Draw(label).text((pad - left, pad - top), text, font=font, fill="#FFFFFF", anchor="mm")
    turned = label.rotate(design.OVERLAY_ANGLE, resample=Image.Resampling.BICUBIC, expand=True)
    canvas.alpha_composite(turned, (round(cx * k - turned.width / 2), round(cy * k - turned.height / 2)))


def _qr_box(box: design.Box, scale: float) -> tuple[int, int, int]:
    return round(box.x * scale), round(box.y * scale), round(box.size * scale)


def render_badge_png_sync(content: BadgeContent, *, scale: float = 1.0) -> bytes:
    """Return the badge as PNG bytes, `scale` times 600 x 800 pixels (RGBA, transparent corners)."""
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise ValueError(f"scale must be between {MIN_SCALE} and {MAX_SCALE}")
    palette = design.PALETTES[content.tier]
    layout = build_layout(content)
    size = (round(design.WIDTH * scale), round(design.HEIGHT * scale))
    k = scale * SUPERSAMPLE
    big = Image.new("RGBA", (size[0] * SUPERSAMPLE, size[1] * SUPERSAMPLE), design.PAPER)
    draw = ImageDraw.Draw(big)
    draw.polygon(_scaled(design.header_outline(), k), fill=palette.primary)
    draw.polygon(_scaled(design.facet_outline(), k), fill=design.mix(palette.primary, "#FFFFFF", 0.07))
    draw.polygon(_scaled(design.footer_outline(), k), fill=palette.primary)
    for shape in emblem_shapes(content.tier):
        _draw_shape(draw, shape, k)
    draw.line(((60 * k, 482 * k), (540 * k, 482 * k)), fill=design.RULE, width=round(1.5 * k))
    for line in layout.lines:
        _draw_text(draw, line, k)
    overlay = design.STATUS_OVERLAY.get(content.status)
    if overlay is not None:
        _draw_overlay(big, *overlay, k)
    draw = ImageDraw.Draw(big)
    draw.polygon(
        _scaled(design.card_outline(), k), outline=design.mix(palette.primary, "#FFFFFF", 0.6), width=round(2 * k)
    )

    mask = Image.new("L", big.size, 0)
    ImageDraw.Draw(mask).polygon(_scaled(design.card_outline(), k), fill=255)
    big.putalpha(mask)
    image = big.reduce(SUPERSAMPLE)  # box filter over each 3x3 block: exact for a whole factor

    qr_draw = ImageDraw.Draw(image)
    draw_qr_png(qr_draw, content.page_url, *_qr_box(layout.main_qr, scale), dark=design.INK)
    if layout.offline_qr is not None and content.offline_qr:
        draw_qr_png(
            qr_draw, content.offline_qr, *_qr_box(layout.offline_qr, scale), dark=design.INK, level=OFFLINE_LEVEL
        )

    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


async def render_badge_png(content: BadgeContent, *, scale: float = 1.0) -> bytes:
    """`render_badge_png_sync` in a worker thread, so the event loop stays free (~50 ms of CPU)."""
    return await asyncio.to_thread(render_badge_png_sync, content, scale=scale)
