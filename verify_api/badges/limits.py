"""Limits applied to uploaded badge images, and the error raised when an upload breaks them."""

from __future__ import annotations

import msgspec

from verify_api.errors import InvalidInputError


class BadgeFileError(InvalidInputError):
    """The badge image is malformed, too large, or holds no usable Open Badges credential."""


class UnbakeLimits(msgspec.Struct, frozen=True):
    """Hard caps for reading an untrusted baked badge. Every cap is checked before work proportional to it."""

    max_bytes: int = 5 * 1024 * 1024  # the whole file
    max_credential_bytes: int = 1024 * 1024  # the embedded credential text
    max_png_chunks: int = 4096
    max_png_dimension: int = 8192  # IHDR width and height, in pixels
    max_svg_elements: int = 20_000
    max_svg_depth: int = 64


DEFAULT_LIMITS = UnbakeLimits()


def check_size(data: bytes | str, limits: UnbakeLimits, kind: str) -> None:
    if len(data) > limits.max_bytes:
        raise BadgeFileError(f"the {kind} is larger than {limits.max_bytes} bytes")
