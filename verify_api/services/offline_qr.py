"""The offline QR of a stored credential, and checking scanned offline QR text (`PV1:...`) as a report.

A verifier with no network checks the signature and the dates itself. When the text reaches us (POST /v1/verify,
the /verify page) we check those with the keys we publish and also ask the register for the live status, which
the QR cannot carry.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.signing_keys import SigningKeys
from verify_api.domain.credential import credential_url, did_web_for
from verify_api.errors import ProofError
from verify_api.proofs.keys import decode_multikey
from verify_api.proofs.offline_qr import (
    OfflineCredential,
    OfflinePayloadError,
    encode_offline_payload_sync,
    fit_name,
    key_id_for,
    parse_offline_payload,
    verify_offline_payload_sync,
)
from verify_api.proofs.p256 import is_p256_multikey
from verify_api.schemas import Check
from verify_api.services.judgement import judge_stored
from verify_api.verification.report import (
    FORMAT,
    PROOF,
    STATUS,
    VALID_FROM,
    VALID_UNTIL,
    IssuerSummary,
    VerificationReport,
    failed,
    passed,
    summarize,
    unchecked,
)

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.proofs.keys import Signer
    from verify_api.settings import Settings

PRESENTED_AS = "offline QR (PV1), Ed25519"


class OfflineReport(msgspec.Struct, frozen=True):
    """What checking scanned offline QR text found: the claims (when genuine) and one check per question."""

    verified: bool
    credential: OfflineCredential | None
    checks: list[Check]


def offline_payload_for(record: CredentialRecord, verdict: CredentialVerdict, signer: Signer) -> str | None:
    """The PV1 text for a credential the judgement calls valid, signed with the active key (Ed25519 is
    deterministic: same in, same out); None for anything else, so a QR is never signed afresh for a credential
    that is not valid (a compromised key's credential, a revoked or suspended one, a CAI past its grace)."""
    if not verdict.valid:
        return None
    claims = OfflineCredential(
        credential_id=record.id,
        tier=record.tier,
        subject_name=fit_name(record.subject_name),
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        key_id=key_id_for(signer.public_key),
    )
    return encode_offline_payload_sync(claims, signer)


async def published_keys(conn: Connection) -> list[bytes]:
    """Every key the issuer publishes in did.json and jwks.json, less those declared compromised."""
    keys = await SigningKeys(conn).list_all()
    # PV1 payloads are Ed25519-signed; the P-256 key (ES256 JWTs only) never signs one.
    return [
        decode_multikey(k.public_key_multibase)
        for k in keys
        if k.compromised_since is None and not is_p256_multikey(k.public_key_multibase)
    ]


async def check_offline_text(conn: Connection, text: str, *, settings: Settings, now: datetime) -> OfflineReport:
    """Check scanned PV1 text: format, signature (published keys only), dates at `now`, and the live status."""
    try:
        claims, _, _ = parse_offline_payload(text)
    except OfflinePayloadError as exc:
        rest = [unchecked(name, "the offline QR could not be read") for name in (PROOF, VALID_FROM, VALID_UNTIL)]
        return OfflineReport(verified=False, credential=None, checks=[failed(FORMAT, exc.detail), *rest])
    keys = await published_keys(conn)
    try:
        await asyncio.to_thread(verify_offline_payload_sync, text, keys)
    except ProofError as exc:
        checks = [
            passed(FORMAT, "a PV1 offline QR"),
            failed(PROOF, f"not signed by the Production AI Institute: {exc.detail}"),
        ]
        return OfflineReport(verified=False, credential=None, checks=checks)
    record = await Credentials(conn).get(claims.credential_id)
    checks = [
        passed(FORMAT, "a PV1 offline QR"),
        passed(PROOF, f"Ed25519 signature verified with the published key whose id is {claims.key_id.hex()}"),
        *_validity(claims, now),
        await _live_status(conn, record, settings=settings, now=now),
    ]
    return OfflineReport(verified=all(c.result == "passed" for c in checks), credential=claims, checks=checks)


def _validity(claims: OfflineCredential, now: datetime) -> list[Check]:
    start, end = claims.valid_from.isoformat(), claims.valid_until.isoformat()
    return [
        failed(VALID_FROM, f"not valid before {start}") if now < claims.valid_from else passed(VALID_FROM, start),
        failed(VALID_UNTIL, f"expired on {end}") if now >= claims.valid_until else passed(VALID_UNTIL, end),
    ]


async def _live_status(
    conn: Connection, record: CredentialRecord | None, *, settings: Settings, now: datetime
) -> Check:
    """The register's judgement now (the QR's own dates are checked beside it)."""
    if record is None:
        return failed(STATUS, "the PAI's register has no credential with this id")
    verdict = await judge_stored(conn, record, settings=settings, now=now)
    if verdict.state in ("valid", "expired", "not_yet_valid"):
        return passed(STATUS, "neither revoked nor suspended, checked with the register just now")
    reason = f" ({verdict.reason})" if verdict.reason else ""
    return failed(STATUS, f"{verdict.public_status}{reason}, according to the register just now")


async def verify_offline_text(conn: Connection, text: str, *, settings: Settings, now: datetime) -> VerificationReport:
    """The offline QR check as POST /v1/verify reports every presented credential."""
    report = await check_offline_text(conn, text, settings=settings, now=now)
    claims = report.credential
    pai = did_web_for(settings.base_url)
    if claims is not None:
        issuer = IssuerSummary(id=pai, name=settings.issuer_name, classification="pai")
    else:
        issuer = IssuerSummary(id=None, name=None, classification="unknown")
    verified, summary = summarize(report.checks, issuer.classification, issuer.id)
    return VerificationReport(
        verified=verified,
        summary=summary,
        issuer=issuer,
        presented_as=PRESENTED_AS,
        credential_id=credential_url(settings.base_url, claims.credential_id) if claims else None,
        pai_credential_id=claims.credential_id if claims else None,
        tier=claims.tier if claims else None,
        checks=report.checks,
    )
