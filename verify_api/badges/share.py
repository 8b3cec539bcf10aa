"""The 1200 x 630 share image of a credential, for Open Graph and Twitter cards (about 1.91:1, as LinkedIn,
Facebook and X crop link previews).

The badge's emblem and palette on a coloured panel at the left; the institute, the tier, the holder, the dates
and the live status at the right, with the page QR in the corner. It is drawn with the same primitives as the
badge PNG (supersampled shapes and text, a whole-pixel QR drawn afterwards), and it shows the status as a word,
so a shared link to a revoked credential does not preview as a valid one.
"""

from __future__ import annotations

import asyncio
import io
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw

from verify_api.badges import design
from verify_api.badges.design import FAINT, INK, INSTITUTE, MUTED, PALETTES, Circle, TextLine, validity_text
from verify_api.badges.emblem import emblem_code_baseline, emblem_code_width, emblem_shapes
from verify_api.badges.qr import draw_qr_png
from verify_api.badges.typography import clean_text, fit_text, load_font

if TYPE_CHECKING:
    from verify_api.badges.content import BadgeContent

SHARE_WIDTH = 1200
SHARE_HEIGHT = 630
SUPERSAMPLE = 3
PANEL_WIDTH = 440
EMBLEM_SCALE = 1.55  # the badge emblem (radius 104 on the 600 x 800 card), enlarged for the panel
EMBLEM_AT = (PANEL_WIDTH / 2, 270.0)
TEXT_X = PANEL_WIDTH + 56
TEXT_WIDTH = SHARE_WIDTH - TEXT_X - 56
QR_SIZE = 180  # the page QR with its quiet zone, bottom right
QR_AT = (SHARE_WIDTH - 40 - QR_SIZE, SHARE_HEIGHT - 40 - QR_SIZE)
ACTIVE_COLOUR = "#15803D"
STATUS_WORDS = {"active": "ACTIVE"}


def _place(x: float, y: float) -> tuple[float, float]:
    """A point of the badge's emblem moved onto the share image's panel."""
    cx, cy = design.EMBLEM_CENTRE
    return EMBLEM_AT[0] + (x - cx) * EMBLEM_SCALE, EMBLEM_AT[1] + (y - cy) * EMBLEM_SCALE


def _draw_emblem(draw: ImageDraw.ImageDraw, tier: str, k: float) -> None:
    for shape in emblem_shapes(tier):
        width = round(shape.stroke_width * EMBLEM_SCALE * k) if shape.stroke else 0
        if isinstance(shape, Circle):
            x, y = _place(shape.cx, shape.cy)
            r = shape.r * EMBLEM_SCALE
            box = ((x - r) * k, (y - r) * k, (x + r) * k, (y + r) * k)
            draw.ellipse(box, fill=shape.fill, outline=shape.stroke, width=width)
        else:
            points = [(px * k, py * k) for px, py in (_place(x, y) for x, y in shape.points)]
            draw.polygon(points, fill=shape.fill, outline=shape.stroke, width=width)


# PLR0913: the keyword-only parameters of one fitted text line
def _fitted(text: str, y: float, size: float, fill: str, *, min_size: float, bold: bool = False) -> TextLine:  # noqa: PLR0913
    fitted, fitted_size = fit_text(clean_text(text), size, TEXT_WIDTH, min_size=min_size, bold=bold)
    return TextLine(text=fitted, x=TEXT_X, y=y, size=fitted_size, fill=fill, bold=bold, anchor="start")


def status_word(status: str) -> tuple[str, str]:
    """The status as the image says it, and the colour of its label (the word carries the meaning)."""
    if status in design.STATUS_OVERLAY:
        return design.STATUS_OVERLAY[status]
    return STATUS_WORDS.get(status, status.upper()), ACTIVE_COLOUR


def share_lines(content: BadgeContent) -> list[TextLine]:
    """Every line of text on the share image, cleaned and fitted to the text column."""
    palette = PALETTES[content.tier]
    awarded = "AWARDED TO THE ORGANISATION" if content.subject_kind == "organization" else "AWARDED TO"
    return [
        TextLine(text=INSTITUTE.upper(), x=TEXT_X, y=92, size=22, fill=palette.dark, bold=True, anchor="start"),
        _fitted(content.tier_title, 150, 34, palette.dark, min_size=22, bold=True),
        TextLine(text=awarded, x=TEXT_X, y=222, size=18, fill=FAINT, bold=True, anchor="start"),
        _fitted(content.subject_name, 290, 58, INK, min_size=30, bold=True),
        _fitted(validity_text(content), 344, 26, MUTED, min_size=18),
        TextLine(text="VERIFICATION CODE", x=TEXT_X, y=470, size=16, fill=FAINT, bold=True, anchor="start"),
        TextLine(
            text=content.verification_code, x=TEXT_X, y=510, size=32, fill=palette.dark, bold=True, anchor="start"
        ),
        _verify_line(content),
    ]


def _verify_line(content: BadgeContent) -> TextLine:
    text, size = fit_text(f"Verify at {content.verify_url}", 20, QR_AT[0] - TEXT_X - 24, min_size=12)
    return TextLine(text=text, x=TEXT_X, y=560, size=size, fill=INK, anchor="start")


def _draw_text(draw: ImageDraw.ImageDraw, line: TextLine, k: float) -> None:
    font = load_font(line.size * k, bold=line.bold)
    draw.text((line.x * k, line.y * k), line.text, font=font, fill=line.fill, anchor="ls")


def _draw_status(draw: ImageDraw.ImageDraw, status: str, k: float) -> None:
    word, colour = status_word(status)
    font = load_font(24 * k, bold=True)
    left, top, right, bottom = font.getbbox(word, anchor="ls")
    pad_x, pad_y = 18 * k, 10 * k
    x, y = TEXT_X * k + pad_x, 410 * k
    draw.rounded_rectangle(
        (x + left - pad_x, y + top - pad_y, x + right + pad_x, y + bottom + pad_y), radius=8 * k, fill=colour
    )
    draw.text((x, y), word, font=font, fill="#FFFFFF", anchor="ls")


def render_share_png_sync(content: BadgeContent) -> bytes:
    """Return the 1200 x 630 share image of the badge's content as PNG bytes (RGB, deterministic)."""
    palette = PALETTES[content.tier]
    k = SUPERSAMPLE
    big = Image.new("RGB", (SHARE_WIDTH * k, SHARE_HEIGHT * k), design.PAPER)
    draw = ImageDraw.Draw(big)
    draw.rectangle((0, 0, PANEL_WIDTH * k, SHARE_HEIGHT * k), fill=palette.primary)
    draw.polygon(
        [(PANEL_WIDTH * 0.55 * k, 0), (PANEL_WIDTH * k, 0), (PANEL_WIDTH * k, SHARE_HEIGHT * 0.6 * k)],
        fill=design.mix(palette.primary, "#FFFFFF", 0.07),
    )
    _draw_emblem(draw, content.tier, k)
    code, code_size = fit_text(content.tier, 50, emblem_code_width(content.tier), min_size=30, bold=True)
    baseline = _place(0, emblem_code_baseline(content.tier, code_size))[1]
    code_font = load_font(code_size * EMBLEM_SCALE * k, bold=True)
    draw.text((EMBLEM_AT[0] * k, baseline * k), code, font=code_font, fill=palette.on_primary, anchor="ms")
    for line in share_lines(content):
        _draw_text(draw, line, k)
    _draw_status(draw, content.status, k)
    image = big.reduce(SUPERSAMPLE)
    draw_qr_png(ImageDraw.Draw(image), content.page_url, *QR_AT, QR_SIZE, dark=INK)
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()


async def render_share_png(content: BadgeContent) -> bytes:
    """`render_share_png_sync` in a worker thread, so the event loop stays free."""
    return await asyncio.to_thread(render_share_png_sync, content)
