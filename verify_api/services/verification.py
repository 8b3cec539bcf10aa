"""Verify a presented credential: the entry point the API, the VC API and the HTML verify page call.

`verify_presented(conn, body, content_type, settings=..., now=...)` reads the input (`verification.presented`),
checks shape and proof against the keys the PAI publishes (read from `signing_keys`, never from the network) and,
for credentials whose proof key is a PAI key (in any form) or that name the PAI as issuer, consults the register:
exact content, the register entry's judgement (`domain.verdict.judge_credential`: status with since when and why, key
window by the register's `issued_at`) and the tier prerequisite, judged the same way at the moment of issuance.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING

from verify_api import problem_types
from verify_api.badges.png_baking import PNG_SIGNATURE
from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.service_origins import ServiceOrigins
from verify_api.db.signing_keys import SigningKeys
from verify_api.domain.codes import is_credential_id
from verify_api.domain.credential import did_web_for
from verify_api.domain.lifecycle import status_at
from verify_api.domain.tiers import TIERS
from verify_api.domain.verdict import judge_credential, judge_vc_api_entry
from verify_api.errors import InvalidCredentialError
from verify_api.observability.metrics import count_verification
from verify_api.proofs.offline_qr import PREFIX as OFFLINE_QR_PREFIX
from verify_api.proofs.sd_jwt import KeyBindingAsk
from verify_api.services.holder_keys import retired_holder_key_refusal
from verify_api.services.judgement import judge_stored
from verify_api.services.offline_qr import verify_offline_text
from verify_api.services.qr_image import verify_by_qr_code
from verify_api.services.status_lists import status_list_register_findings
from verify_api.services.wallet_copies import wallet_copy_record
from verify_api.verification.assessment import RegisterFindings, build_report, unreadable_report
from verify_api.verification.document import check_structure_limits, read_credential_shape
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presentation import check_presentation_sync
from verify_api.verification.presented import (
    PHOTO_TYPES,
    Presented,
    decode_credential_object,
    decode_presented,
    media_type_of,
)
from verify_api.verification.register import (
    HeldPrerequisite,
    credential_id_from_url,
    not_in_register,
    register_findings,
    vc_api_register_findings,
)
from verify_api.verification.report import PRESENTATION, STATUS, failed, passed
from verify_api.verification.securing import check_securing

if TYPE_CHECKING:
    from datetime import datetime
    from typing import Any

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord, VcApiCredentialRecord
    from verify_api.settings import Settings
    from verify_api.verification.document import CredentialShape
    from verify_api.verification.report import VerificationReport
    from verify_api.verification.securing import SecuringOutcome


async def verify_presented(
    conn: Connection, presented: bytes, content_type: str, *, settings: Settings, now: datetime
) -> VerificationReport:
    """Verify request bytes as their Content-Type says; `UnsupportedMediaTypeError` for any other type."""
    report = await _verify_presented(conn, presented, content_type, settings=settings, now=now)
    count_verification(report.verified)
    return report


async def _verify_presented(
    conn: Connection, presented: bytes, content_type: str, *, settings: Settings, now: datetime
) -> VerificationReport:
    if media_type_of(content_type) == "text/plain" and presented.lstrip().startswith(OFFLINE_QR_PREFIX.encode()):
        return await verify_offline_text(conn, presented.decode("utf-8", "replace"), settings=settings, now=now)
    media = media_type_of(content_type)
    if media in PHOTO_TYPES:  # a photo or screenshot of a badge: only its QR code can say anything
        by_qr = await _verify_by_qr(conn, presented, "Image", settings=settings, now=now)
        return by_qr or unreadable_report(Presented("Image"), "the image has no QR code naming a PAI credential")
    decoded = await asyncio.to_thread(decode_presented, presented, content_type)
    if decoded.presentation is not None:
        return await verify_presentation_report(conn, decoded, settings=settings, now=now)
    image = presented if media == "image/png" else decoded.image  # a form upload's file part, when an image
    if decoded.document is None and image is not None:
        # No baked credential (the plain PNG offered for slides and CVs, a photo): its QR code names the credential.
        container = "PNG image" if media == "image/png" or image.startswith(PNG_SIGNATURE) else "Image"
        by_qr = await _verify_by_qr(conn, image, container, settings=settings, now=now)
        if by_qr is not None:
            return by_qr
    return await verify_decoded(conn, decoded, settings=settings, now=now)


async def _verify_by_qr(
    conn: Connection, image: bytes, container: str, *, settings: Settings, now: datetime
) -> VerificationReport | None:
    async def verify(presented: Presented) -> VerificationReport:
        return await verify_decoded(conn, presented, settings=settings, now=now)

    return await verify_by_qr_code(conn, image, container, settings=settings, now=now, verify_decoded=verify)


# PLR0913: the credential, and what the verifier asks of an SD-JWT's key binding, beside the usual connection,
# settings, clock and the presentation's key ring
async def verify_credential_value(  # noqa: PLR0913
    conn: Connection,
    value: object,
    *,
    settings: Settings,
    now: datetime,
    keyring: KeyRing | None = None,
    key_binding: KeyBindingAsk | None = None,
) -> VerificationReport:
    """Verify a credential already decoded from JSON (an object, an enveloped JWT, or a JWT string); `key_binding`
    is the nonce and audience an SD-JWT's Key Binding JWT must carry (RFC 9901 §7.3), when the verifier names them."""
    presented = decode_credential_object(value)
    if key_binding is not None:
        presented = replace(presented, key_binding=key_binding)
    report = await verify_decoded(conn, presented, settings=settings, now=now, keyring=keyring)
    count_verification(report.verified)
    return report


async def load_keyring(conn: Connection, settings: Settings) -> KeyRing:
    return KeyRing(did_web_for(settings.base_url), await SigningKeys(conn).list_all())


async def verify_decoded(
    conn: Connection, presented: Presented, *, settings: Settings, now: datetime, keyring: KeyRing | None = None
) -> VerificationReport:
    if presented.presentation is not None:
        return unreadable_report(presented, "a presentation, not a credential: POST /presentations/verify checks it")
    document = presented.document
    if presented.error is not None or document is None:
        return unreadable_report(presented, presented.error or "no credential was found")
    try:
        check_structure_limits(document)  # before canonicalisation, whose cost grows with the size
    except InvalidCredentialError as exc:
        return unreadable_report(presented, exc.detail)
    if presented.sd_jwt is not None:
        presented = replace(presented, key_binding=key_binding_ask(presented.key_binding, settings))
    keyring = keyring or await load_keyring(conn, settings)
    securing = await check_securing(presented, keyring, now=now)
    # Any proof made with a PAI key (a set or a chain: every proof's key is in `securing.keys`) makes it a PAI
    # credential, whatever its issuer says and whichever proof comes first.
    signed_by_pai_key = any(key.record is not None for key in (*securing.keys, securing.key) if key is not None)
    if securing.format_problem is not None:  # the JSON is not what was signed: read nothing from it
        return _not_what_was_signed(presented, securing, signed_by_pai_key=signed_by_pai_key)
    try:
        shape = read_credential_shape(document)
    except InvalidCredentialError as exc:
        return unreadable_report(presented, f"not a well-formed verifiable credential: {exc.detail}", securing)
    register = None
    # The register keeps what the Issuer signed: for an SD-JWT, the payload with its digests, not the claims the
    # holder chose to disclose.
    signed = presented.sd_jwt.signed_payload if presented.sd_jwt is not None else document
    if signed_by_pai_key or shape.issuer_id == keyring.pai_did:
        register = await _register(
            conn, shape, signed, settings=settings, now=now, signed_at=_pai_signing_time(securing)
        )
    report = build_report(
        presented,
        shape,
        securing,
        pai_did=keyring.pai_did,
        pai_name=settings.issuer_name,
        now=now,
        register=register,
    )
    if presented.sd_jwt is not None and securing.check.result == "passed":
        report.disclosed_claims = [claim.pointer for claim in presented.sd_jwt.disclosed]
    return report


def key_binding_ask(asked: KeyBindingAsk | None, settings: Settings) -> KeyBindingAsk:
    """What an SD-JWT's Key Binding JWT must satisfy: the nonce and audience the verifier named, and an `iat` no
    older than KB_JWT_MAX_AGE_SECONDS."""
    max_age = timedelta(seconds=settings.kb_jwt_max_age_seconds)
    return replace(asked, max_age=max_age) if asked is not None else KeyBindingAsk(max_age=max_age)


async def verify_presentation_report(
    conn: Connection, presented: Presented, *, settings: Settings, now: datetime
) -> VerificationReport:
    """POST /v1/verify of a presentation (VC Data Model 2.0 §4.13, or an EnvelopedVerifiablePresentation §4.13.2):
    its proof is checked as POST /presentations/verify checks it (no challenge asked), and the one credential it
    carries is verified like any presented credential; the report is that credential's, with the presentation's
    check first. A failed presentation check makes the whole report not verifiable. A presentation of several
    credentials is refused here (one report is about one credential); POST /presentations/verify reports on each."""
    assert presented.presentation is not None
    keyring = await load_keyring(conn, settings)
    outcome = await asyncio.to_thread(
        check_presentation_sync,
        presented.presentation,
        keyring,
        challenge=None,
        domain=None,
        require_proof=True,
        now=now,
    )
    retired = await retired_holder_key_refusal(conn, outcome.signed_with)
    if retired is not None:
        outcome.problems.append((problem_types.PROOF_VERIFICATION_ERROR, "PROOF_VERIFICATION_ERROR", retired))
    container = f"{presented.container} presentation"
    if outcome.malformed:
        return unreadable_report(Presented(container), "; ".join(detail for _, _, detail in outcome.problems))
    if len(outcome.credentials) != 1:
        reason = (
            f"the presentation carries {len(outcome.credentials)} credentials; this report is about one, so send a "
            "presentation of several to POST /presentations/verify"
        )
        return unreadable_report(Presented(container), reason)
    inner = decode_credential_object(outcome.credentials[0])
    report = await verify_decoded(conn, inner, settings=settings, now=now, keyring=keyring)
    report.presented_as = f"{container} ({outcome.mechanism}) of a {report.presented_as}"
    if outcome.problems:
        check = failed(PRESENTATION, "; ".join(detail for _, _, detail in outcome.problems))
        report.checks.insert(0, check)
        report.verified, report.verdict = False, "not_verifiable"
        report.summary = f"The presentation does not verify: {check.detail}. {report.summary}"
    else:
        report.checks.insert(0, passed(PRESENTATION, outcome.detail))
    return report


def _not_what_was_signed(
    presented: Presented, securing: SecuringOutcome, *, signed_by_pai_key: bool
) -> VerificationReport:
    """The JSON members are not what the proof signed (helper `signed_claims`): nothing is read from them. A PAI
    key's signature still makes it the PAI's business: classified `pai`, and its status a failure, never unknown."""
    assert securing.format_problem is not None
    report = unreadable_report(presented, securing.format_problem.detail, securing)
    report.checks[0] = securing.format_problem
    if signed_by_pai_key:
        report.issuer.classification = "pai"
        report.checks = [
            failed(STATUS, "what the PAI signed is not what this JSON says, so no register status applies to it")
            if check.name == STATUS
            else check
            for check in report.checks
        ]
    return report


def _pai_signing_time(securing: SecuringOutcome) -> datetime | None:
    """The proof's `created` when it was made with a PAI key never declared compromised (only the PAI holds such a
    key, so the claim is the PAI's own); None otherwise. Used only for what has no register entry (status lists)."""
    record = securing.key.record if securing.key is not None else None
    return securing.created if record is not None and record.compromised_since is None else None


# PLR0913: the register lookup of one presented document takes what the caller already read of it (its shape and
# JSON, and the PAI signing time its proof gives) besides the connection, settings and clock; bundling them would
# only rename them
async def _register(  # noqa: PLR0913
    conn: Connection,
    shape: CredentialShape,
    document: dict[str, Any],
    *,
    settings: Settings,
    now: datetime,
    signed_at: datetime | None,
) -> RegisterFindings:
    credential_id = await _register_id(conn, shape.credential_id, settings.base_url)
    record = await Credentials(conn).get(credential_id) if credential_id and is_credential_id(credential_id) else None
    if record is None:  # a copy delivered to a wallet (OID4VCI): judged as the certification whose status it shares
        record = await wallet_copy_record(conn, shape.credential_id)
    if record is None:
        entry = await find_vc_api_register_entry(conn, document, base_url=settings.base_url)
        if entry is not None:  # signed by POST /credentials/issue: in the register, with its own status
            return vc_api_register_findings(entry, document, judgement=judge_vc_api_entry(entry, now=now))
        status_list = await status_list_register_findings(conn, shape, document, settings=settings, signed_at=signed_at)
        return status_list or not_in_register(shape.credential_id)
    prerequisites: list[HeldPrerequisite] = []
    if TIERS[record.tier].builds_on is not None:
        prerequisites = await _held_prerequisites(conn, record, now=now)
    # judge_stored: the register entry judged with its organisation's standing, exactly as the lookups judge it.
    judgement = await judge_stored(conn, record, settings=settings, now=now)
    return register_findings(record, document, judgement=judgement, prerequisites=prerequisites)


async def _register_id(conn: Connection, url: str | None, base_url: str) -> str | None:
    """The register id in a credential URL under the current origin, or under one the service answered under before
    PUBLIC_BASE_URL changed (credentials keep the URLs they were minted with)."""
    found = credential_id_from_url(url, base_url)
    if found is None and isinstance(url, str) and "/v1/credentials/" in url:
        for former in await ServiceOrigins(conn).former(base_url):
            if (found := credential_id_from_url(url, former)) is not None:
                break
    return found


async def _held_prerequisites(conn: Connection, record: CredentialRecord, *, now: datetime) -> list[HeldPrerequisite]:
    """The subject's credentials of the tier `record` builds on, each judged at `record.issued_at` (its status then,
    replayed from the event log) and now."""
    prerequisite = TIERS[record.tier].builds_on
    held = await Credentials(conn).summaries_for_subject(
        holder_id=record.holder_id, organization_id=record.organization_id
    )
    # Events are ordered by their sequence number: the prerequisite's status when `record` was issued is what its
    # events before `record`'s own issuance left behind (timestamps alone tie when both happen in one instant).
    issued_seq = next(
        (e.seq for e in await Events(conn).credential_events(record.id) if e.kind == "credential_issued"), None
    )
    found: list[HeldPrerequisite] = []
    for row in held:
        if row["tier"] != prerequisite:
            continue
        other = await Credentials(conn).get(row["id"])
        if other is None:
            continue
        events = await Events(conn).credential_events(other.id)
        before = [
            e for e in events if (e.seq < issued_seq if issued_seq is not None else e.occurred_at <= record.issued_at)
        ]
        stored, reason = status_at([(e.kind, e.data) for e in before])
        then = (
            None
            if stored is None
            else judge_credential(other, now=record.issued_at, stored_status=stored, stored_reason=reason)
        )
        found.append(HeldPrerequisite(other.id, at_issuance=then, now=judge_credential(other, now=now)))
    return found


async def find_vc_api_register_entry(
    conn: Connection, presented: dict[str, Any], *, base_url: str
) -> VcApiCredentialRecord | None:
    """The register's VC API entry for a presented credential, found by its revocation entry in this issuer's lists
    (every credential POST /credentials/issue signs has one, and a slot belongs to exactly one register row); None
    when it names none. The caller still compares the stored document with the presented one (the register holds
    the signed bytes as issued) and judges the entry's status, dates and key window."""
    entries = presented.get("credentialStatus")
    prefix = f"{base_url}/v1/status-lists/"
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or entry.get("statusPurpose") != "revocation":
            continue
        list_url, index = entry.get("statusListCredential"), entry.get("statusListIndex")
        if not (isinstance(list_url, str) and list_url.startswith(prefix) and isinstance(index, str)):
            continue
        if not index.isdigit() or len(index) > 9:
            continue
        found = await Credentials(conn).find_by_status_entry(list_url.removeprefix(prefix), "revocation", int(index))
        if found is not None and found[1] == "vc_api":
            return await Credentials(conn).get_vc_api(found[0])
    return None
