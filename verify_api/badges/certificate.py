"""The printable certificate: one A4 or US Letter page as PDF, for holders who need paper.

Drawn with Pillow at 150 dpi and saved as a one-page PDF (Pillow's PDF writer: no extra dependency): the PAI's name,
the credential, the subject, the dates, the verification code and a QR code to the live page, which is where the
paper is checked (a printed page cannot be revoked; its QR and code lead to the register's answer now).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Literal

import msgspec
from PIL import Image, ImageDraw

from verify_api.badges import design
from verify_api.badges.qr import draw_qr_png
from verify_api.badges.typography import clean_text, fit_text, load_font
from verify_api.domain.dates import long_date

Paper = Literal["a4", "letter"]
DPI = 150
# Portrait page sizes in pixels at DPI: A4 210 x 297 mm, Letter 8.5 x 11 in.
PAGE_PIXELS: dict[str, tuple[int, int]] = {"a4": (1240, 1754), "letter": (1275, 1650)}


class CertificateContent(msgspec.Struct, frozen=True, kw_only=True):
    tier: str
    title: str
    subject_name: str
    organisation: bool
    valid_from: datetime
    valid_until: datetime
    verification_code: str
    page_url: str
    issuer_name: str


# PLR0913: a line of text is its page, height, words, size, weight and colour
def _centred(draw: ImageDraw.ImageDraw, y: float, text: str, size: float, *, bold: bool = False, fill: str) -> None:  # noqa: PLR0913
    draw.text((draw.im.size[0] / 2, y), text, font=load_font(size, bold=bold), fill=fill, anchor="ms")


def render_certificate_pdf_sync(content: CertificateContent, paper: Paper = "a4") -> bytes:
    width, height = PAGE_PIXELS[paper]
    palette = design.PALETTES[content.tier]
    page = Image.new("RGB", (width, height), "#FFFFFF")
    draw = ImageDraw.Draw(page)
    margin = 70
    draw.rectangle((margin, margin, width - margin, height - margin), outline=palette.primary, width=8)
    draw.rectangle(
        (margin + 18, margin + 18, width - margin - 18, height - margin - 18), outline=palette.accent, width=2
    )
    _centred(draw, 260, content.issuer_name.upper(), 40, bold=True, fill=palette.dark)
    _centred(draw, 340, "certifies that", 34, fill=design.MUTED)
    name, name_size = fit_text(clean_text(content.subject_name), 76, width - 2 * margin - 120, min_size=40, bold=True)
    _centred(draw, 470, name, name_size, bold=True, fill=design.INK)
    _centred(draw, 560, "the organisation holds" if content.organisation else "holds the credential", 34,
             fill=design.MUTED)  # fmt: skip
    title, title_size = fit_text(content.title, 60, width - 2 * margin - 120, min_size=36, bold=True)
    _centred(draw, 660, title, title_size, bold=True, fill=palette.primary)
    dates = f"Valid from {long_date(content.valid_from)} until {long_date(content.valid_until)}"
    _centred(draw, 760, dates, 32, fill=design.INK)
    qr_size = 420
    qr_top = 850
    draw_qr_png(draw, content.page_url, (width - qr_size) // 2, qr_top, qr_size, dark=design.INK)
    _centred(draw, qr_top + qr_size + 70, f"Verification code  {content.verification_code}", 36, bold=True,
             fill=design.INK)  # fmt: skip
    _centred(draw, qr_top + qr_size + 130, content.page_url, 26, fill=design.MUTED)
    _centred(draw, height - margin - 90, "Scan the code or enter the verification code at the address above:",
             24, fill=design.FAINT)  # fmt: skip
    _centred(draw, height - margin - 55, "the live status there, not this paper, says whether it is valid today.",
             24, fill=design.FAINT)  # fmt: skip
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=DPI, title=f"{content.title}: {content.subject_name}",
              author=content.issuer_name)  # fmt: skip
    return out.getvalue()
