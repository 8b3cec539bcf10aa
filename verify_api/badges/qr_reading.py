"""Read the QR codes of an uploaded image (zxing-cpp): a badge image with no baked credential (the plain PNG offered
for slides and CVs, a screenshot, a photo of a print) still points to the live register.

Pure and bounded: the image is opened by Pillow with a pixel cap before any decoding, flattened onto white (a
transparent badge corner must not read as black), and read as-is, then enlarged once when small (a CV-sized
render), since zxing needs about three pixels per module. zxing itself tries rotations and inverted images.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image, UnidentifiedImageError

MAX_PIXELS = 25_000_000  # a 5000 x 5000 photo; larger images are not read
SMALL_SIDE = 900  # below this width or height, a second read at 2x
MAX_CODES = 4


def read_qr_codes_sync(data: bytes) -> list[str]:
    """The texts of the QR codes in the image `data` (PNG, JPEG, WebP, GIF), in reading order; [] when none."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            width, height = opened.size
            if width * height > MAX_PIXELS:
                return []
            opened.load()
            image = _on_white(opened)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return []
    texts = _read(image)
    if not texts and min(image.size) < SMALL_SIDE:
        texts = _read(image.resize((image.width * 2, image.height * 2), Image.Resampling.LANCZOS))
    return texts[:MAX_CODES]


def _on_white(image: Image.Image) -> Image.Image:
    rgba = image.convert("RGBA")
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    return flat.convert("L")


def _read(image: Image.Image) -> list[str]:
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode))
    return [barcode.text for barcode in found if barcode.text]
