"""What the /verify page shows of a verification report: a presented credential (POST /v1/verify's verifier: a
badge file, credential JSON, a JWT or a badge's QR code) or an offline QR, in the same page shape.

Each verdict has its own words; only `valid` is green, and a name an issuer gives itself is never shown beside the
PAI's without saying so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.domain.dates import long_date
from verify_api.domain.public_wording import public_status_phrase
from verify_api.domain.tiers import TIERS
from verify_api.schemas import Check
from verify_api.services.pages import StatusText

if TYPE_CHECKING:
    from verify_api.services.offline_qr import OfflineReport
    from verify_api.verification.report import VerificationReport

LIVE_STATUS_NOTE = (
    "Scanned offline, this QR proves who issued it and for which dates; the live status above comes from the "
    "register, asked just now."
)
QR_READ_NOTE = (
    "This image carries no signed credential: PAI Verify read the QR code printed on it and checked the credential "
    "it points to against the PAI's live register. The image itself proves nothing; the register's answer does."
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


VALID = StatusText("Valid", "good", "Genuine, issued by the Production AI Institute, and valid today.")


def why_not_verified(checks: list[Check]) -> str:
    """The first failed check (else the first that did not pass), as a reason a page can quote."""
    first = next((c for c in checks if c.result == "failed"), None) or next(
        (c for c in checks if c.result != "passed"), None
    )
    return f"{first.name}: {first.detail}" if first else "a check did not pass"


def _report_verdict(verified: bool, checks: list[Check], genuine: bool) -> StatusText:
    if verified:
        return VALID
    why = why_not_verified(checks)
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
    why = why_not_verified(report.checks)
    if report.verdict == "valid":
        return VALID
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
