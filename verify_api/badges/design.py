"""The badge design shared by the SVG and PNG renderers: canvas, palettes, layout and wording.

Both renderers draw the same primitives (`Polygon`, `Circle`) at the same coordinates on a
600 x 800 canvas, so the SVG and the PNG of a badge look alike.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import msgspec

from verify_api.badges.typography import fit_text
from verify_api.domain.dates import short_date

if TYPE_CHECKING:
    from verify_api.badges.content import BadgeContent

WIDTH = 600
HEIGHT = 800
CORNER = 28
HEADER_BOTTOM = 282
HEADER_DIP = 22  # how far the header's curved lower edge dips at the centre
FOOTER_HEIGHT = 14
EMBLEM_CENTRE = (300.0, 160.0)
EMBLEM_RADIUS = 104.0
FONT_STACK = "'DejaVu Sans', 'Segoe UI', 'Helvetica Neue', Arial, sans-serif"

INK = "#111827"
MUTED = "#4B5563"
FAINT = "#6B7280"
RULE = "#E5E7EB"
PAPER = "#FFFFFF"

INSTITUTE = "Production AI Institute"


class Palette(msgspec.Struct, frozen=True):
    primary: str  # header and emblem body
    dark: str  # tier title, code, footer
    light: str  # tints behind secondary elements
    accent: str  # emblem rim and highlights
    on_primary: str = "#FFFFFF"


PALETTES: dict[str, Palette] = {
    "AIDA": Palette(primary="#0F766E", dark="#134E4A", light="#CCFBF1", accent="#5EEAD4"),
    "CPAP": Palette(primary="#1D4ED8", dark="#1E3A8A", light="#DBEAFE", accent="#BFDBFE"),
    "CPAA": Palette(primary="#4C1D95", dark="#2E1065", light="#EDE9FE", accent="#D4A72C"),
    "CAI": Palette(primary="#15803D", dark="#14532D", light="#DCFCE7", accent="#86EFAC"),
    "CAE": Palette(primary="#334155", dark="#0F172A", light="#E2E8F0", accent="#C08457"),
}

STATUS_OVERLAY: dict[str, tuple[str, str]] = {
    # status -> (word, band colour); the word carries the meaning, the colour only reinforces it
    "expired": ("EXPIRED", "#52525B"),
    "suspended": ("SUSPENDED", "#C2410C"),
    "revoked": ("REVOKED", "#B91C1C"),
    "superseded": ("SUPERSEDED", "#3F3F46"),
}
OVERLAY_CENTRE = (300.0, 214.0)
OVERLAY_ANGLE = 20.0  # degrees, anticlockwise as seen: the band rises to the right
OVERLAY_LENGTH = 400.0
OVERLAY_HEIGHT = 74.0
OVERLAY_ALPHA = 237  # of 255: the emblem shows through faintly


class TextLine(msgspec.Struct, frozen=True):
    """A line of text to draw: `x`, `y` is the baseline anchor, `anchor` is "start" or "middle"."""

    text: str
    x: float
    y: float
    size: float
    fill: str
    bold: bool = False
    anchor: str = "middle"
    role: str = ""  # what the line shows, for renderers and tests: "subject", "code", "tier", ...


class Box(msgspec.Struct, frozen=True):
    x: float
    y: float
    size: float


class Layout(msgspec.Struct, frozen=True):
    """Where everything goes for one badge. Text here is already cleaned and fitted."""

    lines: list[TextLine]
    main_qr: Box
    offline_qr: Box | None


def validity_text(content: BadgeContent) -> str:
    return f"Valid {short_date(content.valid_from)} – {short_date(content.valid_until)}"


def overlay_text(word: str) -> tuple[str, float]:
    """The status word and its font size, fitted to the band."""
    return fit_text(word, 42, OVERLAY_LENGTH - 60, min_size=26, bold=True)


def mix(colour: str, other: str, amount: float) -> str:
    """Blend two #RRGGBB colours: `amount` 0 gives `colour`, 1 gives `other`."""
    a = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(other[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(a, b, strict=True))


# PLR0913: an arc is its centre, radius, start and end angles and resolution; a struct would only rename them
def arc(cx: float, cy: float, radius: float, start: float, end: float, steps: int = 9) -> list[tuple[float, float]]:  # noqa: PLR0913
    """Sample a circular arc from `start` to `end` degrees (screen angles: 0 is east, 90 is south)."""
    return [
        (
            cx + radius * math.cos(math.radians(start + (end - start) * i / steps)),
            cy + radius * math.sin(math.radians(start + (end - start) * i / steps)),
        )
        for i in range(steps + 1)
    ]


def rounded_rect(x0: float, y0: float, x1: float, y1: float, radius: float) -> list[tuple[float, float]]:
    """Return the outline of a rounded rectangle as polygon points."""
    return [
        *arc(x0 + radius, y0 + radius, radius, 180, 270),
        *arc(x1 - radius, y0 + radius, radius, 270, 360),
        *arc(x1 - radius, y1 - radius, radius, 0, 90),
        *arc(x0 + radius, y1 - radius, radius, 90, 180),
    ]


def card_outline() -> list[tuple[float, float]]:
    return rounded_rect(0, 0, WIDTH, HEIGHT, CORNER)


def header_outline() -> list[tuple[float, float]]:
    """The header: the card's rounded top corners, straight sides and a gently curved lower edge."""
    curve = [(WIDTH * (1 - i / 24), HEADER_BOTTOM + HEADER_DIP * math.sin(math.pi * i / 24)) for i in range(25)]
    return [
        *arc(CORNER, CORNER, CORNER, 180, 270),
        *arc(WIDTH - CORNER, CORNER, CORNER, 270, 360),
        *curve,
    ]


def footer_outline() -> list[tuple[float, float]]:
    """A slim band in the tier colour along the card's rounded bottom edge."""
    return [
        (WIDTH, HEIGHT - FOOTER_HEIGHT),
        *arc(WIDTH - CORNER, HEIGHT - CORNER, CORNER, 0, 90),
        *arc(CORNER, HEIGHT - CORNER, CORNER, 90, 180),
        (0, HEIGHT - FOOTER_HEIGHT),
    ]


def facet_outline() -> list[tuple[float, float]]:
    """A faint diagonal facet across the header's right side, for depth."""
    return [(340, 0), (WIDTH - CORNER, 0), (WIDTH, CORNER), (WIDTH, 170), (480, HEADER_BOTTOM + 14)]


def overlay_band() -> list[tuple[float, float]]:
    """The status stamp: a strip through `OVERLAY_CENTRE`, turned `OVERLAY_ANGLE` degrees anticlockwise."""
    cx, cy = OVERLAY_CENTRE
    half_w, half_h = OVERLAY_LENGTH / 2, OVERLAY_HEIGHT / 2
    angle = math.radians(OVERLAY_ANGLE)
    cos, sin = math.cos(angle), math.sin(angle)
    corners = ((-half_w, -half_h), (half_w, -half_h), (half_w, half_h), (-half_w, half_h))
    # y grows downwards on screen, so an anticlockwise turn is (x cos + y sin, -x sin + y cos)
    return [(cx + x * cos + y * sin, cy - x * sin + y * cos) for x, y in corners]


class Polygon(msgspec.Struct, frozen=True):
    points: list[tuple[float, float]]
    fill: str | None
    stroke: str | None = None
    stroke_width: float = 0.0


class Circle(msgspec.Struct, frozen=True):
    cx: float
    cy: float
    r: float
    fill: str | None
    stroke: str | None = None
    stroke_width: float = 0.0


Shape = Polygon | Circle
