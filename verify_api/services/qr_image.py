"""Verify an image that carries no credential by its QR code: the code names a PAI credential (its page or its id,
or the offline PV1 text), and that credential is verified as the register holds it.

The image proves nothing by itself: the report is the register's answer for the credential the code points to, made
by the same verifier (and so the same one judgement, `domain.verdict.judge_credential`) as any presented credential,
and it says that this is what happened (`readFrom: "qr-code"`). A code pointing anywhere but this PAI Verify is not
followed.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import msgspec

from verify_api.badges.qr_reading import read_qr_codes_sync
from verify_api.db.credentials import Credentials
from verify_api.domain.codes import is_credential_id
from verify_api.proofs.offline_qr import PREFIX as OFFLINE_PREFIX
from verify_api.services.offline_qr import verify_offline_text
from verify_api.verification.presented import Presented

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.settings import Settings
    from verify_api.verification.report import VerificationReport

    VerifyDecoded = Callable[[Presented], Awaitable[VerificationReport]]


def credential_id_in_code(text: str, base_url: str) -> str | None:
    """The credential id a QR code's URL names: `{base}/c/{id}` or `{base}/v1/credentials/{id}`; None otherwise."""
    for prefix in (f"{base_url}/c/", f"{base_url}/v1/credentials/"):
        if text.startswith(prefix):
            rest = text.removeprefix(prefix).split("?", 1)[0].split("#", 1)[0].rstrip("/")
            return rest if is_credential_id(rest) else None
    return None


# PLR0913: connection, settings, clock, the image, its container and the verifier to hand the document to
async def verify_by_qr_code(  # noqa: PLR0913
    conn: Connection,
    image: bytes,
    container: str,
    *,
    settings: Settings,
    now: datetime,
    verify_decoded: VerifyDecoded,
) -> VerificationReport | None:
    """The report for the credential the image's QR code names, or None when no code names a PAI credential."""
    codes = await asyncio.to_thread(read_qr_codes_sync, image)
    for text in codes:  # the live page's code first: it is the register's own address
        credential_id = credential_id_in_code(text, settings.base_url)
        if credential_id is None:
            continue
        record = await Credentials(conn).get(credential_id)
        if record is None:
            continue
        document = msgspec.json.decode(record.document)
        report = await verify_decoded(Presented(f"{container}, QR code", document=document))
        report.read_from = "qr-code"
        report.presented_as = f"{container} with no credential inside; its QR code names {text}"
        return report
    offline = next((t for t in codes if t.startswith(OFFLINE_PREFIX)), None)
    if offline is not None:
        report = await verify_offline_text(conn, offline, settings=settings, now=now)
        report.read_from = "qr-code"
        report.presented_as = f"{container} with no credential inside; its offline QR code"
        return report
    return None
