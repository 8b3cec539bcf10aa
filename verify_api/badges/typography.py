"""Fonts, text cleaning and fitting for badge text.

The PNG renderer draws with DejaVu Sans, bundled in `assets/` (Bitstream Vera licence, see
`assets/LICENSE-DejaVu.txt`), never with system fonts. Pillow's built-in default font was not used:
it has no glyphs beyond ASCII (no "é", "ß" or "–"). The SVG names DejaVu Sans first in its font stack
and fits text with the same metrics; DejaVu is wider than the usual fallbacks, so text measured to fit
here also fits in a browser.
"""

from __future__ import annotations

import functools
import io
import unicodedata
from importlib import resources

from PIL import ImageFont

ELLIPSIS = "…"
_FONT_FILES = {False: "DejaVuSans.ttf", True: "DejaVuSans-Bold.ttf"}
# Bidi embeddings, overrides and isolates could reorder how a name is displayed (spoofing); they are
# dropped. Plain marks (LRM, RLM, ALM) are kept: they cannot reorder text beyond their neighbours.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_JOINERS = frozenset("\u200c\u200d\ufe0e\ufe0f")


@functools.cache
def _font_bytes(bold: bool) -> bytes:
    return (resources.files("verify_api.badges") / "assets" / _FONT_FILES[bold]).read_bytes()


@functools.lru_cache(maxsize=128)
def load_font(size: float, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    """Return the bundled DejaVu Sans (bold or regular) at `size` pixels."""
    return ImageFont.truetype(io.BytesIO(_font_bytes(bold)), size=size)


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    return float(load_font(size, bold=bold).getlength(text))


def _allowed(char: str) -> bool:
    if char in _BIDI_CONTROLS:
        return False
    category = unicodedata.category(char)
    # Cc: control characters (most are not even legal in XML 1.0); Cs: lone surrogates; Cn: unassigned,
    # including U+FFFE/U+FFFF, which XML forbids.
    return category not in {"Cc", "Cs", "Cn"}


def clean_text(text: str) -> str:
    """Return `text` NFC-normalised, without control or bidi-override characters, whitespace collapsed."""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(ch if _allowed(ch) else " " for ch in text)
    return " ".join(kept.split())


def _trim_end(text: str) -> str:
    """Drop what must not end a truncated string: spaces, combining marks, joiners, a dangling hyphen."""
    while text and (text[-1].isspace() or unicodedata.combining(text[-1]) or text[-1] in _JOINERS):
        text = text[:-1]
    return text.rstrip(" -–,.;:")


def ellipsize(text: str, size: float, max_width: float, *, bold: bool = False) -> str:
    """Return `text`, or its longest prefix plus "…", that fits in `max_width` pixels at `size`."""
    if text_width(text, size, bold=bold) <= max_width:
        return text
    low, high = 0, len(text)
    while low < high:  # largest prefix length whose ellipsised form fits
        mid = (low + high + 1) // 2
        if text_width(_trim_end(text[:mid]) + ELLIPSIS, size, bold=bold) <= max_width:
            low = mid
        else:
            high = mid - 1
    return _trim_end(text[:low]) + ELLIPSIS


def fit_text(text: str, size: float, max_width: float, *, min_size: float, bold: bool = False) -> tuple[str, float]:
    """Shrink the font from `size` towards `min_size` until `text` fits; past that, cut it with "…"."""
    current = size
    while current > min_size and text_width(text, current, bold=bold) > max_width:
        current -= 1
    current = max(current, min_size)
    return ellipsize(text, current, max_width, bold=bold), current
