"""Open Badges 3.0 baking: put a credential into a PNG or SVG badge image, and read it back out.

https://www.imsglobal.org/spec/ob/v3p0/#baking. The PNG and SVG halves live in `png_baking` and
`svg_baking`; this module is the one place callers import from.
"""

from __future__ import annotations

from verify_api.badges.limits import DEFAULT_LIMITS, BadgeFileError, UnbakeLimits
from verify_api.badges.png_baking import PNG_SIGNATURE, bake_png, unbake_png
from verify_api.badges.svg_baking import bake_svg, unbake_svg

__all__ = [
    "DEFAULT_LIMITS",
    "BadgeFileError",
    "UnbakeLimits",
    "bake_png",
    "bake_svg",
    "unbake_badge",
    "unbake_png",
    "unbake_svg",
]


def unbake_badge(data: bytes, *, limits: UnbakeLimits = DEFAULT_LIMITS) -> str:
    """Return the credential baked into an uploaded PNG or SVG, telling the two apart by content."""
    if data.startswith(PNG_SIGNATURE):
        return unbake_png(data, limits=limits)
    head = data[:64].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return unbake_svg(data, limits=limits)
    raise BadgeFileError("the file is neither a PNG nor an SVG badge")
