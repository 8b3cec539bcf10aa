"""What the public HTML pages show: the badge page of a credential, and the registry of organisations.

Only data the JSON lookup already makes public reaches a page (name, tier, dates, code, status, checks): no
email, no holder or organisation id. Person pages are `noindex` unless the holder opted in to public listing.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import msgspec

from verify_api.badges.content import cache_key
from verify_api.db.holders import Holders
from verify_api.domain.codes import is_credential_id
from verify_api.domain.dates import long_date
from verify_api.domain.public_wording import public_reason, public_status_phrase
from verify_api.domain.tiers import PSF_NAME, PSF_VERSION, TIERS
from verify_api.schemas import Check, CredentialView
from verify_api.services import lookup
from verify_api.services.badges import PNG_SCALE, badge_content_sync, get_record, page_url
from verify_api.services.judgement import judge_stored
from verify_api.services.sharing import ShareLinks, share_links

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.services.offline_qr import OfflineReport
    from verify_api.settings import Settings
    from verify_api.verification.report import VerificationReport

LIVE_STATUS_NOTE = (
    "Scanned offline, this QR proves who issued it and for which dates; the live status above comes from the "
    "register, asked just now."
)
QR_READ_NOTE = (
    "This image carries no signed credential: PAI Verify read the QR code printed on it and checked the credential "
    "it points to against the PAI's live register. The image itself proves nothing; the register's answer does."
)
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
        holder = await Holders(conn).get(record.holder_id)
        indexable = holder is not None and holder.public_listing
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


class ReportPage(msgspec.Struct, frozen=True):
    """A verification report as the /verify page shows it, whatever produced it."""

    source: str
    verdict: StatusText
    facts: list[tuple[str, str]]
    checks: list[Check]
    notes: list[str]
    page_link: str | None
    differences: list[tuple[str, str, str]] = []  # (claim, this copy says, the register says)


def _report_verdict(verified: bool, checks: list[Check], genuine: bool) -> StatusText:
    if verified:
        return StatusText("Valid", "good", "Genuine, issued by the Production AI Institute, and valid today.")
    failures = [c for c in checks if c.result == "failed"]
    first = failures[0] if failures else next((c for c in checks if c.result != "passed"), None)
    why = f"{first.name}: {first.detail}" if first else "a check did not pass"
    if genuine:
        return StatusText("Not valid", "bad", f"Issued by the PAI, but not valid now ({why}).")
    return StatusText("Not verified", "bad", f"Do not rely on this credential ({why}).")


def offline_report_page(report: OfflineReport) -> ReportPage:
    claims = report.credential
    facts: list[tuple[str, str]] = []
    if claims is not None:
        facts = [
            ("Credential", TIERS[claims.tier].title),
            ("Awarded to", claims.subject_name),
            ("Valid from", long_date(claims.valid_from)),
            ("Valid until", long_date(claims.valid_until)),
            ("Credential id", claims.credential_id),
        ]
    return ReportPage(
        source="offline QR",
        verdict=_report_verdict(report.verified, report.checks, genuine=claims is not None),
        facts=facts,
        checks=report.checks,
        notes=[LIVE_STATUS_NOTE] if claims else [],
        page_link=f"/c/{claims.credential_id}" if claims else None,
    )


_STATE_WORDS = {
    "expired": ("Expired", "neutral"),
    "not_yet_valid": ("Not yet valid", "warn"),
    "suspended": ("Suspended", "warn"),
    "revoked": ("Revoked", "bad"),
    "superseded": ("Superseded", "neutral"),
    "key_compromised": ("Revoked", "bad"),
    "untrusted_key": ("Revoked", "bad"),
}


def presented_verdict(report: VerificationReport) -> StatusText:
    """Each verdict in its own words; only `valid` is green, and only it says "issued by the PAI" unqualified."""
    first = next((c for c in report.checks if c.result == "failed"), None) or next(
        (c for c in report.checks if c.result != "passed"), None
    )
    why = f"{first.name}: {first.detail}" if first else "a check did not pass"
    if report.verdict == "valid":
        return StatusText("Valid", "good", "Genuine, issued by the Production AI Institute, and valid today.")
    if report.verdict == "not_valid":
        if report.state is not None:
            word, tone = _STATE_WORDS.get(report.state, ("Not valid", "bad"))
            phrase = public_status_phrase(report.state, report.since, report.reason)
            return StatusText(word, tone, f"Issued by the Production AI Institute, but not valid now: {phrase}.")
        return StatusText("Not valid", "bad", f"Issued by the Production AI Institute, but not valid now ({why}).")
    if report.verdict == "not_pai":
        issuer = report.issuer.id or "an unknown issuer"
        if all(c.result == "passed" for c in report.checks):
            sentence = (
                f"This credential was not issued by the Production AI Institute. Its signature holds, so it is "
                f"unchanged since {issuer} signed it, but the PAI does not vouch for it."
            )
        else:
            sentence = f"This credential was not issued by the Production AI Institute, and it fails a check ({why})."
        return StatusText("Not a PAI credential", "warn", sentence)
    return StatusText("Not verified", "bad", f"Do not rely on this credential ({why}).")


def register_facts(report: VerificationReport) -> list[tuple[str, str]]:
    """Whose credential it is and what it is, as the PAI's register holds it: what an employer matches."""
    entry = report.register_entry
    if entry is None:
        return []
    awarded = "Awarded to the organisation" if entry.subject_kind == "organization" else "Awarded to"
    status = "Valid" if entry.state == "valid" else public_status_phrase(entry.state, entry.since, entry.reason)
    return [
        (f"{awarded} (the register)", entry.subject_name),
        ("Credential", entry.tier_title),
        ("What it means", entry.tier_meaning),
        ("Valid from", long_date(entry.valid_from)),
        ("Valid until", long_date(entry.valid_until)),
        ("Live status", status[:1].upper() + status[1:]),
        ("Verification code", entry.verification_code),
    ]


def presented_report_page(report: VerificationReport) -> ReportPage:
    """A report from POST /v1/verify's verifier (a badge file, credential JSON, a JWT, or a badge's QR code)."""
    facts = [("Presented as", report.presented_as)]
    if report.tier and report.register_entry is None:
        info = TIERS.get(report.tier)
        facts.append(("Credential", info.title if info else report.tier))
    facts.extend(register_facts(report))
    issuer = report.issuer
    if issuer.name or issuer.id:
        shown = f"{issuer.name} ({issuer.id})" if issuer.name and issuer.id else issuer.name or issuer.id or ""
        if report.verdict not in ("valid", "not_valid"):
            # A name is the issuer's own claim: never show the PAI's name beside a credential without saying so.
            shown += ": not the Production AI Institute" if issuer.classification != "pai" else ": not confirmed"
        facts.append(("Issuer", shown))
    if report.credential_id:
        facts.append(("Credential id", report.credential_id))
    notes = [report.summary]
    if report.read_from == "qr-code":
        notes.insert(0, QR_READ_NOTE)
    entry = report.register_entry
    live = report.pai_credential_id or (entry.credential_id if entry is not None else None)
    return ReportPage(
        source="QR code in the image" if report.read_from == "qr-code" else report.presented_as.split(",", 1)[0],
        verdict=presented_verdict(report),
        facts=facts,
        checks=report.checks,
        notes=notes,
        page_link=f"/c/{live}" if live else None,
        differences=[(d.claim, d.presented or "(absent)", d.register or "(absent)") for d in report.differences],
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
