"""What a badge image shows, and the content-addressed cache key of a rendered image."""

from __future__ import annotations

import datetime
import hashlib

import msgspec

# Bump whenever the rendered output changes for the same content (layout, palette, font, QR settings),
# so that cached images from the old design are never served for the new one.
DESIGN_VERSION = "pai-badge-design-2"

TIERS = ("AIDA", "CPAP", "CPAA", "CAI", "CAE")
STATUSES = ("active", "expired", "suspended", "revoked", "superseded")
SUBJECT_KINDS = ("person", "organization")
FORMATS = ("svg", "png", "share")  # "share": the 1200 x 630 Open Graph image (badges/share.py)


class BadgeContent(msgspec.Struct, frozen=True):
    """Everything a badge image shows. Built by the service layer from a credential record."""

    tier: str
    tier_title: str
    subject_name: str
    subject_kind: str
    valid_from: datetime.date
    valid_until: datetime.date
    verification_code: str
    verify_url: str
    page_url: str
    status: str
    offline_qr: str | None = None

    def __post_init__(self) -> None:
        if self.tier not in TIERS:
            raise ValueError(f"unknown tier {self.tier!r}; expected one of {', '.join(TIERS)}")
        if self.status not in STATUSES:
            raise ValueError(f"unknown status {self.status!r}; expected one of {', '.join(STATUSES)}")
        if self.subject_kind not in SUBJECT_KINDS:
            raise ValueError(f"unknown subject kind {self.subject_kind!r}")
        if self.valid_until < self.valid_from:
            raise ValueError("valid_until is before valid_from")
        if not self.page_url:
            raise ValueError("page_url is empty; the QR code must encode the credential's page")


_encoder = msgspec.json.Encoder(order="deterministic")


def cache_key(content: BadgeContent, fmt: str, *, scale: float = 1.0) -> str:
    """Return a hex SHA-256 over the design version, the format, the scale and every content field.

    Any change of what the image shows (including a status change) or of the design yields a new key.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown badge format {fmt!r}; expected one of {', '.join(FORMATS)}")
    canonical = _encoder.encode(
        {"design": DESIGN_VERSION, "format": fmt, "scale": scale if fmt == "png" else 1.0, "content": content}
    )
    return hashlib.sha256(canonical).hexdigest()
