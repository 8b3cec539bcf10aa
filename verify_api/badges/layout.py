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
COLUMN_X = 262  # left edge of the text column beside the main QR
COLUMN_WIDTH = WIDTH - COLUMN_X - MARGIN
CENTRE_X = WIDTH / 2
TEXT_WIDTH = WIDTH - 2 * MARGIN

MAIN_QR = Box(x=MARGIN - 8, y=500, size=212)  # includes the quiet zone
OFFLINE_QR = Box(x=COLUMN_X - 8, y=652, size=124)


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
        TextLine(text="VERIFICATION CODE", x=COLUMN_X, y=532, size=13, fill=FAINT, bold=True, anchor="start"),
        _fitted(
            content.verification_code,
            COLUMN_X,
            566,
            27,
            palette.dark,
            width=COLUMN_WIDTH,
            min_size=16,
            bold=True,
            anchor="start",
            role="code",
        ),
        _fitted(
            f"Verify at {content.verify_url}",
            COLUMN_X,
            602,
            16,
            INK,
            width=COLUMN_WIDTH,
            min_size=10,
            anchor="start",
            role="verify",
        ),
        TextLine(text="Scan to view live status", x=MAIN_QR.x + MAIN_QR.size / 2, y=728, size=13, fill=MUTED),
    ]
    offline = None
    if content.offline_qr:
        offline = OFFLINE_QR
        caption_x = OFFLINE_QR.x + OFFLINE_QR.size + 10
        lines += [
            TextLine(text="Offline check", x=caption_x, y=706, size=15, fill=INK, bold=True, anchor="start"),
            TextLine(text="works without", x=caption_x, y=726, size=12, fill=MUTED, anchor="start"),
            TextLine(text="a network", x=caption_x, y=742, size=12, fill=MUTED, anchor="start"),
        ]
    return Layout(lines=lines, main_qr=MAIN_QR, offline_qr=offline)
