"""Badge images for a credential: what they show (from the record and its live status), rendering off the event
loop, a content-addressed cache, and baking the signed credential into downloads.

A badge's cache key hashes everything it shows (status included), so a suspension or revocation yields a new key,
a new ETag and a new image: no stale "valid" badge is served from this cache.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

import msgspec

from verify_api.badges.baking import bake_png, bake_svg
from verify_api.badges.content import BadgeContent, cache_key
from verify_api.badges.png import render_badge_png_sync
from verify_api.badges.share import render_share_png_sync
from verify_api.badges.svg import render_badge_svg_sync
from verify_api.caching import BoundedCache
from verify_api.db.credentials import Credentials
from verify_api.domain.codes import is_credential_id
from verify_api.domain.tiers import TIERS
from verify_api.errors import CredentialNotFoundError
from verify_api.services.judgement import judge_stored
from verify_api.services.offline_qr import offline_payload_for

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.services.context import IssuerKey, ServiceContext
    from verify_api.settings import Settings

BadgeFormat = Literal["svg", "png", "share"]  # "share": the 1200 x 630 PNG for link previews (Open Graph)
MEDIA_TYPES: dict[str, str] = {"svg": "image/svg+xml", "png": "image/png", "share": "image/png"}
PNG_SCALE = 1.0  # 600 x 800 px: the offline QR's modules are 2 px, which phone cameras and zxing read


def page_url(settings: Settings, credential_id: str) -> str:
    """The human page of a credential: what the badge's QR code encodes and what people share."""
    return f"{settings.base_url}/c/{credential_id}"


def short_page_url(settings: Settings, credential_id: str) -> str:
    """The page URL as printed on the badge: no scheme, as people type it."""
    parts = urlsplit(page_url(settings, credential_id))
    return f"{parts.netloc}{parts.path}"


class BadgeCache(BoundedCache[str, bytes]):
    """Rendered badge bytes by content-addressed key, least recently used evicted first.

    Keys are digests of everything an image shows, so an entry never goes stale: a changed credential simply
    asks for another key.
    """


class BadgePlan(msgspec.Struct, frozen=True):
    """One badge image to serve: its content, format, whether to bake, and the key that names its bytes."""

    content: BadgeContent
    fmt: BadgeFormat
    baked: bool
    key: str
    credential_id: str
    document: bytes

    @property
    def etag(self) -> str:
        return f'"{self.key[:32]}"'

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]

    @property
    def filename(self) -> str:
        return f"pai-{self.content.tier.lower()}-{self.credential_id}.{self.fmt}"


async def get_record(conn: Connection, credential_id: str) -> CredentialRecord:
    record = await Credentials(conn).get(credential_id) if is_credential_id(credential_id) else None
    if record is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    return record


def badge_content_sync(
    record: CredentialRecord, *, verdict: CredentialVerdict, settings: Settings, issuer_key: IssuerKey
) -> BadgeContent:
    """What the badge shows: the judgement's status (`services.judgement.judge_stored`), and the offline QR only
    while the judgement calls the credential valid."""
    info = TIERS[record.tier]
    status = verdict.public_status
    offline = offline_payload_for(record, verdict, issuer_key.signer) if settings.offline_qr else None
    return BadgeContent(
        tier=record.tier,
        tier_title=info.title,
        subject_name=record.subject_name,
        subject_kind=info.subject_kind,
        valid_from=record.valid_from.date(),
        valid_until=record.valid_until.date(),
        verification_code=record.verification_code,
        verify_url=short_page_url(settings, record.id),
        page_url=page_url(settings, record.id),
        status=status,
        offline_qr=offline,
    )


class BadgeRequest(msgspec.Struct, frozen=True):
    """Which badge is asked for: the credential, the image format, and whether it is baked (a download)."""

    credential_id: str
    fmt: BadgeFormat
    baked: bool = False


async def plan_badge(conn: Connection, ctx: ServiceContext, request: BadgeRequest, *, now: datetime) -> BadgePlan:
    """Look the credential up and decide what its badge shows; cheap enough to run before an ETag check."""
    fmt, baked = request.fmt, request.baked
    record = await get_record(conn, request.credential_id)
    verdict = await judge_stored(conn, record, settings=ctx.settings, now=now)
    content = badge_content_sync(record, verdict=verdict, settings=ctx.settings, issuer_key=ctx.issuer_key)
    key = cache_key(content, fmt, scale=PNG_SCALE)
    if baked:  # the stored document never changes for an id, and the id is part of the content
        key = hashlib.sha256(f"{key}:baked".encode()).hexdigest()
    return BadgePlan(content=content, fmt=fmt, baked=baked, key=key, credential_id=record.id, document=record.document)


def render_planned_badge_sync(plan: BadgePlan) -> bytes:
    """Render (and bake, for downloads) the planned image. CPU-bound: tens of milliseconds for a PNG."""
    if plan.fmt == "share":
        return render_share_png_sync(plan.content)
    document = plan.document.decode("utf-8")
    if plan.fmt == "png":
        png = render_badge_png_sync(plan.content, scale=PNG_SCALE)
        return bake_png(png, document) if plan.baked else png
    svg = render_badge_svg_sync(plan.content)
    return (bake_svg(svg, document) if plan.baked else svg).encode("utf-8")


async def render_planned_badge(plan: BadgePlan, cache: BadgeCache) -> bytes:
    """The planned image from the cache, or rendered in a worker thread and cached."""
    found = cache.get(plan.key)
    if found is None:
        found = await asyncio.to_thread(render_planned_badge_sync, plan)
        cache.put(plan.key, found)
    return found
