"""Place a badge's text and QR codes on the canvas. Shared by the SVG and PNG renderers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.badges.design import (
    FAINT,
    INK,
    INSTITUTE,
    MUTED,
    PALETTES,
    WIDTH,
    Box,
    Layout,
    TextLine,
    validity_text,
)
from verify_api.badges.emblem import emblem_code_baseline, emblem_code_width
from verify_api.badges.typography import clean_text, fit_text

if TYPE_CHECKING:
    from verify_api.badges.content import BadgeContent

MARGIN = 36
CENTRE_X = WIDTH / 2
TEXT_WIDTH = WIDTH - 2 * MARGIN

# The lower band. Left: the page QR, then the verification code under it. Right: the offline QR, as large as the
# band allows, because its PV1 text is long (version 6-8 at level L, 49-57 modules with the quiet zone) and it must
# still decode when the badge is shown 300 px wide (bench/qr_size.py measures it; about 2 px a module there).
# Without an offline QR the page QR keeps the whole band to itself.
MAIN_QR = Box(x=MARGIN - 8, y=492, size=164)  # includes the quiet zone
OFFLINE_QR = Box(x=WIDTH - MARGIN + 8 - 244, y=492, size=244)
LONE_QR = Box(x=MARGIN - 8, y=500, size=212)
COLUMN_X = MARGIN  # the text column under the page QR (with an offline QR)
COLUMN_WIDTH = OFFLINE_QR.x - COLUMN_X - 8
LONE_COLUMN_X = 262  # the text column beside a lone page QR
LONE_COLUMN_WIDTH = WIDTH - LONE_COLUMN_X - MARGIN


# PLR0913: the keyword-only parameters of one fitted text box
def _fitted(  # noqa: PLR0913
    text: str,
    x: float,
    y: float,
    size: float,
    fill: str,
    *,
    width: float,
    min_size: float,
    bold: bool = False,
    anchor: str = "middle",
    role: str = "",
) -> TextLine:
    fitted, fitted_size = fit_text(clean_text(text), size, width, min_size=min_size, bold=bold)
    return TextLine(text=fitted, x=x, y=y, size=fitted_size, fill=fill, bold=bold, anchor=anchor, role=role)


def subject_label(content: BadgeContent) -> str:
    return "AWARDED TO THE ORGANISATION" if content.subject_kind == "organization" else "AWARDED TO"


def build_layout(content: BadgeContent) -> Layout:
    """Return every text line (cleaned, shrunk or cut with "…" to fit) and the QR boxes."""
    palette = PALETTES[content.tier]
    tier_text, tier_size = fit_text(content.tier, 50, emblem_code_width(content.tier), min_size=30, bold=True)
    code_line = TextLine(
        text=tier_text,
        x=CENTRE_X,
        y=emblem_code_baseline(content.tier, tier_size),
        size=tier_size,
        fill=palette.on_primary,
        bold=True,
        role="tier",
    )
    lines = [
        TextLine(text=INSTITUTE.upper(), x=CENTRE_X, y=38, size=15, fill=palette.on_primary, bold=True),
        code_line,
        _fitted(content.tier_title, CENTRE_X, 344, 23, palette.dark, width=TEXT_WIDTH, min_size=16, bold=True),
        TextLine(text=subject_label(content), x=CENTRE_X, y=384, size=13, fill=FAINT, bold=True),
        _fitted(
            content.subject_name,
            CENTRE_X,
            424,
            34,
            INK,
            width=TEXT_WIDTH,
            min_size=20,
            bold=True,
            role="subject",
        ),
        _fitted(validity_text(content), CENTRE_X, 460, 18, MUTED, width=TEXT_WIDTH, min_size=13),
    ]
    lines += _lower_band(content, palette.dark)
    return Layout(
        lines=lines,
        main_qr=MAIN_QR if content.offline_qr else LONE_QR,
        offline_qr=OFFLINE_QR if content.offline_qr else None,
    )


def _code_lines(content: BadgeContent, dark: str, x: float, top: float, width: float) -> list[TextLine]:
    """The verification code, its label and the short verify address, as a block whose label sits at `top`."""
    return [
        TextLine(text="VERIFICATION CODE", x=x, y=top, size=13, fill=FAINT, bold=True, anchor="start"),
        _fitted(
            content.verification_code,
            x,
            top + 34,
            27,
            dark,
            width=width,
            min_size=16,
            bold=True,
            anchor="start",
            role="code",
        ),
        _fitted(
            f"Verify at {content.verify_url}",
            x,
            top + 62,
            16,
            INK,
            width=width,
            min_size=10,
            anchor="start",
            role="verify",
        ),
    ]


def _lower_band(content: BadgeContent, dark: str) -> list[TextLine]:
    if not content.offline_qr:
        return [
            *_code_lines(content, dark, LONE_COLUMN_X, 532, LONE_COLUMN_WIDTH),
            TextLine(text="Scan to view live status", x=LONE_QR.x + LONE_QR.size / 2, y=728, size=13, fill=MUTED),
        ]
    offline_centre = OFFLINE_QR.x + OFFLINE_QR.size / 2
    return [
        TextLine(text="Scan to view live status", x=MAIN_QR.x + MAIN_QR.size / 2, y=668, size=13, fill=MUTED),
        *_code_lines(content, dark, COLUMN_X, 698, COLUMN_WIDTH),
        TextLine(
            text="Offline check · works without a network",
            x=offline_centre,
            y=752,
            size=12,
            fill=MUTED,
        ),
    ]
