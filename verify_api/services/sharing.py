"""Sharing a credential beside "Add to profile": a LinkedIn post, an e-mail, the link, an embed snippet, and the
printable certificate (A4 or Letter PDF). Only what the public page shows is shared: the page URL, the title and
the subject's name; the recipient checks the live status there.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

import msgspec
from markupsafe import escape

from verify_api.badges.certificate import CertificateContent, Paper, render_certificate_pdf_sync
from verify_api.domain.tiers import TIERS
from verify_api.services.badges import get_record, page_url
from verify_api.services.judgement import judge_stored

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.schemas import CredentialView
    from verify_api.settings import Settings

LINKEDIN_SHARE = "https://www.linkedin.com/sharing/share-offsite/"


class ShareLinks(msgspec.Struct, frozen=True):
    linkedin_post: str
    email: str
    embed: str  # HTML to paste into a web page: the badge image, linking to the live page
    certificate_a4: str
    certificate_letter: str


def share_links(view: CredentialView, *, settings: Settings, url: str) -> ShareLinks:
    subject = f"{view.title}: {view.subject.name}"
    body = (
        f"{view.subject.name} holds the Production AI Institute credential {view.title}.\n"
        f"Check it, and its status today, at {url}\nVerification code: {view.verification_code}"
    )
    image = f"{settings.base_url}/v1/credentials/{view.id}/badge.svg"
    alt = f"{view.title} badge of {view.subject.name}: verify at PAI Verify"
    embed = f'<a href="{escape(url)}"><img src="{escape(image)}" alt="{escape(alt)}" width="150" height="200"></a>'
    certificate = f"/c/{view.id}/certificate.pdf"
    return ShareLinks(
        linkedin_post=f"{LINKEDIN_SHARE}?{urlencode({'url': url})}",
        email=f"mailto:?subject={quote(subject)}&body={quote(body)}",
        embed=embed,
        certificate_a4=f"{certificate}?paper=a4",
        certificate_letter=f"{certificate}?paper=letter",
    )


async def certificate_pdf(
    conn: Connection, credential_id: str, paper: Paper, *, settings: Settings, now: datetime
) -> bytes | None:
    """The printable certificate of a credential valid now; None when it is not (paper only for what holds)."""
    record = await get_record(conn, credential_id)
    verdict = await judge_stored(conn, record, settings=settings, now=now)
    if not verdict.valid:
        return None
    content = CertificateContent(
        tier=record.tier,
        title=TIERS[record.tier].title,
        subject_name=record.subject_name,
        organisation=record.holder_id is None,
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        verification_code=record.verification_code,
        page_url=page_url(settings, record.id),
        issuer_name=settings.issuer_name,
    )
    return await asyncio.to_thread(render_certificate_pdf_sync, content, paper)
