"""QR codes for badges: the module matrix, a one-path SVG rendering and a crisp Pillow rendering.

Error correction is level M (15 %) unless the caller asks for L (7 %), the version is the smallest that fits.
The offline QR asks for L: its PV1 text is long, and at L the symbol has fewer, larger modules, which is what
lets it read when the badge is shown 300 px wide (bench/qr_size.py); a crisp rendered image needs little repair.
`qrcode` splits the text into segments and picks the densest mode for each, so text made only of the QR
alphanumeric characters (0-9 A-Z space $ % * + - . / :) is encoded in alphanumeric mode; `qr_segment_modes`
exposes that choice so tests can pin it.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Literal

import qrcode
import qrcode.constants

if TYPE_CHECKING:
    from PIL import ImageDraw

QUIET_ZONE = 4  # modules of light margin on every side, as ISO/IEC 18004 requires
ALPHANUMERIC = re.compile(r"[0-9A-Z $%*+\-./:]+")
MODE_NAMES = {1: "numeric", 2: "alphanumeric", 4: "byte", 8: "kanji"}
ErrorLevel = Literal["L", "M"]
_LEVELS = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M}
OFFLINE_LEVEL: ErrorLevel = "L"


@functools.lru_cache(maxsize=64)
def _build(text: str, level: ErrorLevel = "M") -> tuple[tuple[tuple[bool, ...], ...], tuple[str, ...]]:
    code = qrcode.QRCode(error_correction=_LEVELS[level], box_size=1, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())
    modes = tuple(MODE_NAMES.get(chunk.mode, str(chunk.mode)) for chunk in code.data_list)
    return matrix, modes


def qr_matrix(text: str, level: ErrorLevel = "M") -> list[list[bool]]:
    """Return the QR symbol for `text` as rows of dark (True) / light (False) modules, no quiet zone."""
    return [list(row) for row in _build(text, level)[0]]


def qr_segment_modes(text: str) -> tuple[str, ...]:
    """Return the encoding mode `qrcode` chose for each data segment ("byte", "alphanumeric", ...)."""
    return _build(text)[1]


def is_alphanumeric(text: str) -> bool:
    """Whether `text` uses only the QR alphanumeric character set (so it encodes ~45 % denser)."""
    return ALPHANUMERIC.fullmatch(text) is not None


def _runs(matrix: tuple[tuple[bool, ...], ...]) -> list[tuple[int, int, int]]:
    """Return horizontal runs of dark modules as (row, first column, length)."""
    runs: list[tuple[int, int, int]] = []
    for y, row in enumerate(matrix):
        x = 0
        width = len(row)
        while x < width:
            if row[x]:
                start = x
                while x < width and row[x]:
                    x += 1
                runs.append((y, start, x - start))
            else:
                x += 1
    return runs


def qr_path_data(text: str, level: ErrorLevel = "M") -> str:
    """Return SVG path data, in module units with (0, 0) at the symbol's top-left, for the dark modules."""
    return "".join(f"M{x} {y}h{n}v1h-{n}z" for y, x, n in _runs(_build(text, level)[0]))


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def qr_svg_path(text: str, x: float, y: float, size: float, level: ErrorLevel = "M") -> str:
    """Return one `<path>` element drawing the QR for `text` inside the square (x, y, size).

    The square includes the 4-module quiet zone (the caller paints it light). The path is in module
    units and placed with a transform, with `shape-rendering="crispEdges"` so modules stay sharp.
    """
    matrix = _build(text, level)[0]
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    origin_x = x + QUIET_ZONE * module
    origin_y = y + QUIET_ZONE * module
    return (
        f'<path transform="translate({_fmt(origin_x)} {_fmt(origin_y)}) scale({_fmt(module)})" '
        f'shape-rendering="crispEdges" d="{qr_path_data(text, level)}"/>'
    )


def qr_png_module_size(text: str, size: int, level: ErrorLevel = "M") -> int:
    """Return the largest whole-pixel module size at which the QR plus quiet zone fits in `size` pixels."""
    modules = len(_build(text, level)[0]) + 2 * QUIET_ZONE
    return max(1, size // modules)


# PLR0913: keyword-only drawing options of the QR image
def draw_qr_png(  # noqa: PLR0913
    draw: ImageDraw.ImageDraw,
    text: str,
    x: int,
    y: int,
    size: int,
    *,
    dark: str = "#000000",
    light: str = "#ffffff",
    level: ErrorLevel = "M",
) -> int:
    """Draw the QR for `text` centred in the square (x, y, size) at a whole-pixel module size.

    The light square with its 4-module quiet zone is painted first, then each run of dark modules as
    one rectangle, so there is no anti-aliasing and scanners see hard edges. Returns the module size.
    """
    matrix = _build(text, level)[0]
    module = qr_png_module_size(text, size, level)
    total = module * (len(matrix) + 2 * QUIET_ZONE)
    left = x + (size - total) // 2
    top = y + (size - total) // 2
    draw.rectangle((left, top, left + total - 1, top + total - 1), fill=light)
    origin_x = left + QUIET_ZONE * module
    origin_y = top + QUIET_ZONE * module
    for row, col, length in _runs(matrix):
        x0 = origin_x + col * module
        y0 = origin_y + row * module
        draw.rectangle((x0, y0, x0 + length * module - 1, y0 + module - 1), fill=dark)
    return module
