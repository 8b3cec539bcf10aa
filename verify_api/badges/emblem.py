"""Tier emblems: a distinct shape per tier, built from polygons and circles both renderers draw.

AIDA: teal medallion; CPAP: blue shield; CPAA: purple hexagon with gold rim and star;
CAI: green rosette seal; CAE: slate plaque with a building (an organisation-level award).
"""

from __future__ import annotations

import math

from verify_api.badges.design import (
    EMBLEM_CENTRE,
    EMBLEM_RADIUS,
    PALETTES,
    Circle,
    Polygon,
    Shape,
    mix,
    rounded_rect,
)

CX, CY = EMBLEM_CENTRE
R = EMBLEM_RADIUS


def _regular(sides: int, radius: float, rotation: float = 0.0) -> list[tuple[float, float]]:
    return [
        (
            CX + radius * math.cos(math.radians(rotation + 360 * i / sides)),
            CY + radius * math.sin(math.radians(rotation + 360 * i / sides)),
        )
        for i in range(sides)
    ]


def _star(points: int, outer: float, inner: float, cx: float, cy: float) -> list[tuple[float, float]]:
    result = []
    for i in range(points * 2):
        radius = outer if i % 2 == 0 else inner
        angle = math.radians(-90 + 180 * i / points)
        result.append((cx + radius * math.cos(angle), cy + radius * math.sin(angle)))
    return result


def _shield(scale: float) -> list[tuple[float, float]]:
    """A heater shield: flat top with rounded shoulders, straight flanks, curving to a point."""
    w, top, waist, bottom = 0.86 * R * scale, -0.92 * R * scale, 0.12 * R * scale, 1.04 * R * scale
    right: list[tuple[float, float]] = [(w - 10 * scale, top), (w, top + 10 * scale), (w, waist)]
    for i in range(1, 13):  # quadratic curve from the flank to the point
        t = i / 12
        x = (1 - t) ** 2 * w + 2 * (1 - t) * t * w * 0.92
        y = (1 - t) ** 2 * waist + 2 * (1 - t) * t * (0.72 * R * scale) + t * t * bottom
        right.append((x, y))
    left = [(-x, y) for x, y in reversed(right[:-1])]
    return [(CX + x, CY + y) for x, y in (*right, *left)]


def _medallion(tier: str) -> list[Shape]:
    p = PALETTES[tier]
    dots: list[Shape] = [
        Circle(CX + 0.86 * R * math.cos(a), CY + 0.86 * R * math.sin(a), 2.2, p.accent)
        for a in (math.radians(i * 15) for i in range(24))
    ]
    return [
        Circle(CX, CY, R, p.accent),
        Circle(CX, CY, R - 8, p.dark),
        *dots,
        Circle(CX, CY, R - 26, mix(p.primary, "#000000", 0.08), p.accent, 2),
    ]


def _shield_emblem(tier: str) -> list[Shape]:
    p = PALETTES[tier]
    return [
        Polygon(_shield(1.0), p.accent),
        Polygon(_shield(0.92), p.dark),
        Polygon(_shield(0.8), mix(p.primary, "#000000", 0.05), p.accent, 2),
    ]


def _hexagon(tier: str) -> list[Shape]:
    p = PALETTES[tier]
    return [
        Polygon(_regular(6, R + 8), p.accent),
        Polygon(_regular(6, R - 2), p.dark),
        Polygon(_regular(6, R - 14), p.primary, p.accent, 2),
        Polygon(_star(5, 13, 5.5, CX, CY - 50), p.accent),
    ]


def _rosette(tier: str) -> list[Shape]:
    p = PALETTES[tier]
    return [
        Polygon(_star(18, R + 6, R - 8, CX, CY), p.accent),
        Circle(CX, CY, R - 14, p.dark),
        Circle(CX, CY, R - 24, p.primary, mix(p.accent, "#FFFFFF", 0.3), 2),
    ]


def _plaque(tier: str) -> list[Shape]:
    p = PALETTES[tier]
    half = R - 4
    ink = p.light
    columns: list[Shape] = [
        Polygon([(x, CY - 34), (x + 9, CY - 34), (x + 9, CY - 8), (x, CY - 8)], ink)
        for x in (CX - 40, CX - 18, CX + 9, CX + 31)
    ]
    return [
        Polygon(rounded_rect(CX - half, CY - half, CX + half, CY + half, 26), p.accent),
        Polygon(rounded_rect(CX - half + 8, CY - half + 8, CX + half - 8, CY + half - 8, 20), p.dark),
        Polygon(
            rounded_rect(CX - half + 18, CY - half + 18, CX + half - 18, CY + half - 18, 14),
            p.primary,
            p.accent,
            2,
        ),
        Polygon([(CX - 50, CY - 46), (CX, CY - 70), (CX + 50, CY - 46)], ink),  # pediment
        Polygon([(CX - 48, CY - 44), (CX + 48, CY - 44), (CX + 48, CY - 38), (CX - 48, CY - 38)], ink),
        *columns,
        Polygon([(CX - 54, CY - 6), (CX + 54, CY - 6), (CX + 54, CY + 1), (CX - 54, CY + 1)], ink),
    ]


_BUILDERS = {"AIDA": _medallion, "CPAP": _shield_emblem, "CPAA": _hexagon, "CAI": _rosette, "CAE": _plaque}


def emblem_shapes(tier: str) -> list[Shape]:
    """Return the emblem of `tier`, back to front."""
    return _BUILDERS[tier](tier)


def emblem_code_baseline(tier: str, size: float) -> float:
    """Where the tier code's baseline goes so that its capitals sit centred in the emblem's open area."""
    centre = {"CPAA": CY + 8, "CPAP": CY - 6, "CAE": CY + 34}.get(tier, CY)
    return centre + 0.36 * size


def emblem_code_width(tier: str) -> float:
    """The widest the tier code may be inside the emblem."""
    return {"CPAP": 124.0}.get(tier, 150.0)
