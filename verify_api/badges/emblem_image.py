"""Square images for the Open Badges `image` of an achievement (the tier's emblem) and of the issuer (the PAI mark),
in SVG and PNG: wallets that list credentials show these instead of a generic tile. Pure and deterministic.
"""

from __future__ import annotations

import functools
import io

from PIL import Image, ImageDraw

from verify_api.badges import design
from verify_api.badges.emblem import emblem_shapes
from verify_api.badges.png import _draw_shape
from verify_api.badges.svg import _shape
from verify_api.badges.typography import load_font

SIDE = 256.0  # the emblem's square, in badge units, centred on design.EMBLEM_CENTRE
PNG_PIXELS = 512
_MARK_COLOUR = design.PALETTES["CAE"].dark
_MARK_WORD = "PAI"


def _origin() -> tuple[float, float]:
    cx, cy = design.EMBLEM_CENTRE
    return cx - SIDE / 2, cy - SIDE / 2


def _svg_document(body: str, title: str, view_box: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{view_box}" width="{PNG_PIXELS}" height="{PNG_PIXELS}" '
        f'role="img" aria-label="{title}"><title>{title}</title>{body}</svg>'
    )


@functools.lru_cache(maxsize=8)
def achievement_image_svg(tier: str) -> str:
    x, y = _origin()
    body = "".join(_shape(shape) for shape in emblem_shapes(tier))
    return _svg_document(body, f"{tier} emblem", f"{x:g} {y:g} {SIDE:g} {SIDE:g}")


@functools.lru_cache(maxsize=8)
def achievement_image_png(tier: str) -> bytes:
    x, y = _origin()
    k = PNG_PIXELS / SIDE
    image = Image.new("RGBA", (PNG_PIXELS, PNG_PIXELS), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    for shape in emblem_shapes(tier):
        moved = shape
        if isinstance(shape, design.Circle):
            moved = design.Circle(
                cx=shape.cx - x,
                cy=shape.cy - y,
                r=shape.r,
                fill=shape.fill,
                stroke=shape.stroke,
                stroke_width=shape.stroke_width,
            )
        else:
            moved = design.Polygon(
                points=[(px - x, py - y) for px, py in shape.points],
                fill=shape.fill,
                stroke=shape.stroke,
                stroke_width=shape.stroke_width,
            )
        _draw_shape(draw, moved, k)
    return _png_bytes(image)


@functools.lru_cache(maxsize=1)
def issuer_image_svg() -> str:
    body = (
        f'<circle cx="128" cy="128" r="120" fill="{_MARK_COLOUR}"/>'
        f'<text x="128" y="150" text-anchor="middle" font-family="{design.FONT_STACK}" font-weight="bold" '
        f'font-size="72" fill="#FFFFFF">{_MARK_WORD}</text>'
    )
    return _svg_document(body, "Production AI Institute", "0 0 256 256")


@functools.lru_cache(maxsize=1)
def issuer_image_png() -> bytes:
    image = Image.new("RGBA", (PNG_PIXELS, PNG_PIXELS), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((16, 16, PNG_PIXELS - 16, PNG_PIXELS - 16), fill=_MARK_COLOUR)
    draw.text((PNG_PIXELS / 2, PNG_PIXELS / 2), _MARK_WORD, font=load_font(144, bold=True), fill="#FFFFFF", anchor="mm")
    return _png_bytes(image)


def _png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=6)
    return out.getvalue()
