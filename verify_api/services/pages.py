"""What the public HTML pages show: the badge page of a credential, and what a typed reference names (the verify
page's report of a presented credential is services/report_pages.py).

Only data the JSON lookup already makes public reaches a page (name, tier, dates, code, status, checks): no
email, no holder or organisation id. Person pages are `noindex` unless the holder lets search engines index them
(services.holder_privacy: the account's choice and the credential's).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import msgspec

from verify_api.badges.content import cache_key
from verify_api.domain.codes import is_credential_id
from verify_api.domain.dates import long_date
from verify_api.domain.public_wording import public_reason, public_status_phrase
from verify_api.domain.tiers import PSF_NAME, PSF_VERSION, TIERS
from verify_api.schemas import CredentialView
from verify_api.services import lookup
from verify_api.services.badges import PNG_SCALE, badge_content_sync, get_record, page_url
from verify_api.services.holder_privacy import page_indexable
from verify_api.services.judgement import judge_stored
from verify_api.services.sharing import ShareLinks, share_links

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

LINKEDIN_ADD_TO_PROFILE = "https://www.linkedin.com/profile/add"


class StatusText(msgspec.Struct, frozen=True):
    word: str  # the one word that says it, shown large: never colour alone
    tone: str  # "good" | "warn" | "bad" | "neutral": a CSS hook only
    sentence: str


class Download(msgspec.Struct, frozen=True):
    label: str
    hint: str
    href: str


class BadgePage(msgspec.Struct, frozen=True):
    view: CredentialView
    status: StatusText
    page_url: str
    description: str
    criteria: str
    alignment: str
    alignment_url: str
    badge_svg: str  # root-relative, versioned by content so a status change never shows a cached image
    badge_png_abs: str  # absolute: Open Graph and Twitter cards need it
    share_png_abs: str  # the 1200 x 630 link-preview image (absolute, versioned like the badge)
    image_alt: str
    downloads: list[Download]
    linkedin_url: str | None
    indexable: bool
    status_line: str | None = None  # "revoked by the PAI on 3 March 2027": the live status with its date
    share: ShareLinks | None = None  # LinkedIn post, e-mail, embed, certificate: for a credential valid now


def status_text(view: CredentialView, since: datetime | None = None) -> StatusText:
    """The badge page's verdict; reasons in their public words (domain.public_wording), never the code."""
    clause = public_reason(view.status_reason)
    reason = f" ({clause})" if clause else ""
    on = f" on {long_date(since)}" if since is not None else ""
    if view.status == "active" and view.verified:
        return StatusText("Valid", "good", "Genuine, issued by the Production AI Institute, and valid today.")
    if view.status == "active":
        failed = ", ".join(c.name for c in view.checks if c.result != "passed")
        return StatusText("Not verified", "bad", f"This credential failed a check: {failed}. Do not rely on it.")
    if view.status == "expired":
        when = long_date(view.valid_until)
        return StatusText("Expired", "neutral", f"Genuine, but it expired on {when} and is no longer current.")
    if view.status == "suspended":
        return StatusText("Suspended", "warn", f"The PAI suspended this credential{on}{reason}. It is not valid now.")
    if view.status == "revoked":
        return StatusText("Revoked", "bad", f"The PAI revoked this credential{on}{reason}. It is not valid.")
    return StatusText("Superseded", "neutral", f"A newer credential replaced this one{on}{reason}.")


def linkedin_url(view: CredentialView, *, settings: Settings, url: str) -> str | None:
    """LinkedIn's "Add to profile" link for a person's valid certification: only what the page shows."""
    if view.subject.kind != "person" or view.status != "active" or not view.verified:
        return None
    params: dict[str, str] = {"startTask": "CERTIFICATION_NAME", "name": view.title}
    if settings.linkedin_organization_id:
        params["organizationId"] = settings.linkedin_organization_id
    else:
        params["organizationName"] = settings.issuer_name
    params |= {
        "issueYear": str(view.valid_from.year),
        "issueMonth": str(view.valid_from.month),
        "expirationYear": str(view.valid_until.year),
        "expirationMonth": str(view.valid_until.month),
        "certUrl": url,
        "certId": view.verification_code,
    }
    return f"{LINKEDIN_ADD_TO_PROFILE}?{urlencode(params)}"


async def badge_page(conn: Connection, ctx: ServiceContext, credential_id: str, *, now: datetime) -> BadgePage:
    settings, issuer_key = ctx.settings, ctx.issuer_key
    view = await lookup.lookup_credential(conn, ctx, credential_id, now=now)
    record = await get_record(conn, view.id)
    verdict = await judge_stored(conn, record, settings=settings, now=now)
    content = badge_content_sync(record, verdict=verdict, settings=settings, issuer_key=issuer_key)
    version = cache_key(content, "png", scale=PNG_SCALE)[:16]
    badge_path = f"/v1/credentials/{view.id}/badge"
    indexable = view.subject.kind == "organization"
    if record.holder_id is not None:
        indexable = await page_indexable(conn, record.id)  # the holder's choice and the credential's (issue 13)
    url = page_url(settings, view.id)
    info = TIERS[view.tier]
    return BadgePage(
        view=view,
        status=status_text(view, verdict.since if not verdict.valid else None),
        page_url=url,
        description=info.description,
        criteria=info.criteria,
        alignment=f"{PSF_NAME} v{PSF_VERSION}",
        alignment_url=f"{settings.base_url}/psf/v{PSF_VERSION}",
        badge_svg=f"{badge_path}.svg?v={version}",
        badge_png_abs=f"{settings.base_url}{badge_path}.png?v={version}",
        share_png_abs=f"{settings.base_url}/v1/credentials/{view.id}/share.png?v={cache_key(content, 'share')[:16]}",
        image_alt=f"{view.tier} badge of {view.subject.name}, status {view.status}",
        downloads=[
            Download("PNG image", "600 × 800, for slides and CVs", f"{badge_path}.png?v={version}"),
            Download("SVG image", "scales to any size", f"{badge_path}.svg?v={version}"),
            Download("Baked PNG", "Open Badges 3.0: the signed credential inside", f"{badge_path}.png?download=1"),
            Download("Baked SVG", "Open Badges 3.0: the signed credential inside", f"{badge_path}.svg?download=1"),
            Download("Signed credential", "W3C VC 2.0 JSON, as issued", f"/v1/credentials/{view.id}/vc"),
        ],
        linkedin_url=linkedin_url(view, settings=settings, url=url),
        indexable=indexable,
        share=share_links(view, settings=settings, url=url) if verdict.valid and view.verified else None,
        status_line=None if verdict.valid else public_status_phrase(verdict.state, verdict.since, verdict.reason),
    )


_ID_IN_TEXT = re.compile(r"(?:^|/)([a-z2-7]{26})(?:$|[/?#.])")


def credential_id_in(text: str) -> str | None:
    """A credential id typed alone, or inside a pasted page, badge or API link."""
    candidate = text.strip()
    if is_credential_id(candidate.lower()):
        return candidate.lower()
    found = _ID_IN_TEXT.search(candidate) if "/" in candidate else None
    return found.group(1) if found else None


async def resolve_typed_reference(conn: Connection, text: str) -> str:
    """The id of the credential a person typed an id, link or verification code of.

    Raises `CredentialNotFoundError` when nothing has it, `InvalidVerificationCodeError` for a mistyped code.
    """
    credential_id = credential_id_in(text)
    if credential_id is not None:
        return (await get_record(conn, credential_id)).id
    return await lookup.find_credential_id_by_code(conn, text)
