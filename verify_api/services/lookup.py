"""The public answer to "is this credential real and still valid?"."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.domain.codes import is_credential_id, normalize_verification_code
from verify_api.domain.credential import credential_url, did_web_for
from verify_api.domain.dates import rfc3339
from verify_api.domain.lifecycle import status_at
from verify_api.domain.tiers import TIERS
from verify_api.domain.verdict import RULE_SUSPENSIONS, CredentialVerdict, judge_credential, judge_signing_key
from verify_api.errors import CredentialNotFoundError, InvalidInputError, ProofError
from verify_api.proofs.data_integrity import verify_proof
from verify_api.proofs.keys import decode_multikey
from verify_api.schemas import Check, CredentialView, IssuerView, SubjectView
from verify_api.services.judgement import judge_stored

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings


def check_stored_proof_sync(record: CredentialRecord) -> Check:
    """Verify the stored bytes exactly as served, against the key the issuer publishes."""
    expected_method = record.signing_key_id

    def resolve(method: str) -> bytes:
        if method != expected_method:
            raise ProofError(f"the proof names {method}, which is not the key this credential was issued with")
        return decode_multikey(record.key_multibase)

    try:
        document = msgspec.json.decode(record.document)
        proof = verify_proof(document, resolve)
    except ProofError as exc:
        return Check(name="proof", result="failed", detail=f"the signature does not verify: {exc.detail}")
    return Check(
        name="proof",
        result="passed",
        detail=f"{proof.cryptosuite} signature verified with the published key {proof.verification_method}",
    )


async def lookup_credential(
    conn: Connection, ctx: ServiceContext, credential_id: str, *, now: datetime, at: datetime | None = None
) -> CredentialView:
    """The public view now, or (with `at`) as it stood at that moment, replayed from the event history.

    Now: the one judgement, with the organisation rules' standing derived from the data (nothing is written on
    read, and no argument changes the answer). At a past moment: the stored status replayed from the events.
    """
    settings, cache = ctx.settings, ctx.proof_cache
    if not is_credential_id(credential_id):
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    record = await Credentials(conn).get(credential_id)
    if record is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    if at is None:
        verdict = await judge_stored(conn, record, settings=settings, now=now)
    else:
        if at > now:
            raise InvalidInputError("`at` is in the future; ask about the present or the past")
        events = await Events(conn).credential_events(record.id)
        stored_at, reason = status_at([(e.kind, e.data) for e in events if e.occurred_at <= at])
        if stored_at is None:
            raise CredentialNotFoundError(
                f"credential {record.id} was issued at {rfc3339(record.issued_at)}; it did not exist at {rfc3339(at)}"
            )
        verdict = judge_credential(record, now=at, stored_status=stored_at, stored_reason=reason)
    proof_check = cache.get((record.id, record.key_multibase))
    if proof_check is None:
        proof_check = await asyncio.to_thread(check_stored_proof_sync, record)
        cache.put((record.id, record.key_multibase), proof_check)
    view = credential_view(record, proof_check, verdict, settings=settings, now=at or now)
    if verdict.state == "superseded" or (at is None and record.status == "superseded"):
        view.superseded_by = await Credentials(conn).successor_of(record.id)
        view.current = await Credentials(conn).newest_in_chain(record.id)
    view.notices = await prerequisite_notices(Credentials(conn), record, at or now)
    view.at = at
    return view


async def prerequisite_notices(credentials: Credentials, record: CredentialRecord, now: datetime) -> list[str]:
    """PAI policy: a credential stays valid when the one it builds on is later revoked, suspended or lapses, but
    every answer about it says so."""
    builds_on = TIERS[record.tier].builds_on
    if builds_on is None or record.holder_id is None:
        return []
    states = await credentials.prerequisite_states(record.holder_id, builds_on)
    if not states:
        return [f"No {builds_on} credential is on record for this holder, although {record.tier} builds on it."]
    newest = states[0]
    if newest.status in ("revoked", "suspended"):
        since = f" on {newest.status_changed_at.date().isoformat()}" if newest.status_changed_at else ""
        why = f" ({newest.status_reason})" if newest.status_reason else ""
        return [
            f"The {builds_on} this {record.tier} builds on was {newest.status}{since}{why}. "
            f"Under PAI policy the {record.tier} itself remains valid."
        ]
    if newest.valid_until <= now:
        return [f"The {builds_on} this {record.tier} builds on expired on {newest.valid_until.date().isoformat()}."]
    return []


def credential_view(
    record: CredentialRecord,
    proof_check: Check,
    verdict: CredentialVerdict,
    *,
    settings: Settings,
    now: datetime,
) -> CredentialView:
    """The public view of a register entry: status and reason are the judgement's, the checks explain it."""
    checks = [proof_check, _key_check(record), _validity_check(record, now), _status_check(verdict)]
    info = TIERS[record.tier]
    return CredentialView(
        id=record.id,
        url=credential_url(settings.base_url, record.id),
        tier=record.tier,
        title=info.title,
        status=verdict.public_status,
        status_reason=verdict.reason,
        subject=SubjectView(name=record.subject_name, kind=info.subject_kind),
        issuer=IssuerView(id=did_web_for(settings.base_url), name=settings.issuer_name),
        valid_from=record.valid_from,
        valid_until=record.valid_until,
        verification_code=record.verification_code,
        verified=verdict.valid and all(c.result == "passed" for c in checks),
        checks=checks,
    )


def _key_check(record: CredentialRecord) -> Check:
    problem = judge_signing_key(record)
    if problem is None:
        return Check(name="signing key", result="passed", detail="signed by a key the PAI publishes and still trusts")
    if problem.state == "key_compromised":
        assert problem.since is not None
        detail = f"signed with a key declared compromised since {rfc3339(problem.since)}"
    elif problem.reason == "signed_after_key_retired":
        assert record.key_retired_at is not None
        detail = f"signed after the key was retired on {rfc3339(record.key_retired_at)}"
    else:
        detail = "signed before the key was put in service"
    return Check(name="signing key", result="failed", detail=detail)


def _validity_check(record: CredentialRecord, now: datetime) -> Check:
    if now < record.valid_from:
        return Check(
            name="validity period",
            result="failed",
            detail=f"not valid before {rfc3339(record.valid_from)}",
        )
    if now >= record.valid_until:
        return Check(name="validity period", result="failed", detail=f"expired on {rfc3339(record.valid_until)}")
    return Check(name="validity period", result="passed", detail=f"valid until {rfc3339(record.valid_until)}")


def _status_check(verdict: CredentialVerdict) -> Check:
    if verdict.state in ("valid", "expired", "not_yet_valid"):  # dates are the validity check's to report
        return Check(name="status", result="passed", detail="neither revoked nor suspended")
    why = f" ({verdict.reason})" if verdict.reason else ""
    since = f" since {rfc3339(verdict.since)}" if verdict.since else ""
    if verdict.state == "superseded":
        return Check(name="status", result="failed", detail=f"superseded{why}: a newer credential replaces this one")
    if verdict.state == "suspended" and verdict.reason in RULE_SUSPENSIONS and verdict.since:
        return Check(name="status", result="failed", detail=f"suspended{why} by the organisation rules{since}")
    if verdict.state in ("key_compromised", "untrusted_key"):
        return Check(name="status", result="failed", detail=f"{verdict.public_status}{why}{since}")
    return Check(name="status", result="failed", detail=f"{verdict.public_status}{why}")


async def find_credential_id_by_code(conn: Connection, raw_code: str) -> str:
    """The newest credential in the chain the code was printed for, so a renewed badge's code keeps working."""
    code = normalize_verification_code(raw_code)
    found = await Credentials(conn).id_by_code(code)
    if found is None:
        raise CredentialNotFoundError(f"no credential has verification code {code}")
    return await Credentials(conn).newest_in_chain(found)


async def get_signed_document(conn: Connection, credential_id: str) -> bytes:
    record = await Credentials(conn).get(credential_id) if is_credential_id(credential_id) else None
    if record is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    return record.document
