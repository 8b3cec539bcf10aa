"""The public answer to "is this credential real and still valid?"."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.lookups import Lookups
from verify_api.domain.codes import is_credential_id, normalize_verification_code
from verify_api.domain.credential import credential_url, did_web_for
from verify_api.domain.dates import rfc3339
from verify_api.domain.instant import plus_days
from verify_api.domain.lifecycle import status_at
from verify_api.domain.tiers import TIERS
from verify_api.domain.verdict import RULE_SUSPENSIONS, CredentialVerdict, judge_credential, judge_signing_key
from verify_api.errors import CredentialNotFoundError, InvalidInputError
from verify_api.schemas import Check, CredentialView, IssuerView, SubjectView
from verify_api.services.judgement import StandingFacts, judge_with_facts, standing_applies, standing_facts

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.credentials import PrerequisiteState
    from verify_api.db.lookups import LookupRow
    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings


def stored_proof_check(record: CredentialRecord) -> Check:
    """The proof check of a stored credential, from the fact established when it was written: issuance verified
    it before storing it (services.stored_proofs.verify_before_storing) and the stored bytes never change
    (`verify-api audit verify` checks them all again on demand). Whether that key may still be trusted is the
    judgement's, from the key facts it reads on every answer (a compromise makes the answer invalid)."""
    return Check(
        name="proof",
        result="passed",
        detail=f"{record.cryptosuite} signature verified at issuance with the published key {record.signing_key_id}",
    )


@dataclass(frozen=True)
class LookupFacts:
    """What one public answer reads from the database, none of it dependent on the moment: the row with its
    prerequisite and successors (`LookupRow`) and the organisation's standing facts when they apply."""

    row: LookupRow
    standing: StandingFacts | None

    @property
    def tags(self) -> list[str]:
        """What a change note names when this answer may have changed (services.caches.TaggedCache)."""
        record = self.row.record
        tags = [f"credential:{record.id}"]
        if record.holder_id is not None:
            tags.append(f"holder:{record.holder_id}")
        if record.organization_id is not None:
            tags.append(f"organization:{record.organization_id}")
        if self.standing is not None:
            tags.extend(f"holder:{s.holder_id}" for s in self.standing.staff)
        return tags

    def instants(self, settings: Settings) -> list[datetime]:
        """Every instant the answer could change at by time alone: the judgement and the view compare `now` only
        with instants of these facts, and the organisation rules also with those instants plus a grace period."""
        record, prerequisite = self.row.record, self.row.prerequisite
        moments = [record.valid_from, record.valid_until, record.issued_at]
        if prerequisite is not None:
            moments.append(prerequisite.valid_until)
        if self.standing is not None:
            if self.standing.review_due is not None:
                moments.append(self.standing.review_due)
            for staff in self.standing.staff:
                moments.append(staff.linked_at)
                if staff.unlinked_at is not None:
                    moments.append(staff.unlinked_at)
                for period in staff.aida:
                    moments.extend((period.valid_from, period.valid_until))
                    if period.status_changed_at is not None:
                        moments.append(period.status_changed_at)
            graces = (settings.cai_staff_grace_days, settings.cae_governance_grace_days)
            moments.extend([plus_days(m, g) for m in list(moments) for g in graces])
        return moments


@dataclass(frozen=True)
class ServedAnswer:
    """The response the app's routes sent for one cached answer, as the api layer recorded it (status, headers in
    order, body), so the same bytes can be sent again while the answer holds (api.replayed_lookups)."""

    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes
    route: str


@dataclass(frozen=True)
class LookupAnswer:
    """An encoded public answer and the span of time it holds for: [`holds_from`, `holds_until`) (None: open),
    with the response that was sent for it once the routes have answered it (`served`)."""

    facts: LookupFacts
    body: bytes
    holds_from: datetime | None
    holds_until: datetime | None
    served: ServedAnswer | None = None

    def holds_at(self, now: datetime) -> bool:
        return (self.holds_from is None or self.holds_from <= now) and (
            self.holds_until is None or now < self.holds_until
        )


def answer_from_facts(facts: LookupFacts, *, settings: Settings, now: datetime) -> LookupAnswer:
    """The one judgement of the facts at `now` (`judge_with_facts`), as the public view, encoded, with the span of
    time in which no instant of the facts is crossed (the answer is the same throughout)."""
    body = msgspec.json.encode(view_from_facts(facts, settings=settings, now=now))
    instants = facts.instants(settings)
    before = [m for m in instants if m <= now]
    after = [m for m in instants if m > now]
    return LookupAnswer(facts, body, max(before) if before else None, min(after) if after else None)


def view_from_facts(facts: LookupFacts, *, settings: Settings, now: datetime) -> CredentialView:
    row = facts.row
    record = row.record
    verdict = judge_with_facts(record, facts.standing, settings=settings, now=now)
    view = credential_view(record, stored_proof_check(record), verdict, settings=settings, now=now)
    if record.status == "superseded":
        view.superseded_by, view.current = row.successor_id, row.newest_id
    view.notices = notices_from_prerequisite(record, row.prerequisite, now)
    return view


async def read_lookup_facts(
    conn: Connection, *, credential_id: str | None = None, code: str | None = None
) -> LookupFacts:
    """One statement for a person's certification (by id, or by code: the newest of its chain); an organisation's
    current one also reads its standing facts."""
    lookups = Lookups(conn)
    row = await lookups.by_id(credential_id) if credential_id is not None else await lookups.by_code(code or "")
    if row is None:
        what = f"id {credential_id!r}" if credential_id is not None else f"verification code {code}"
        raise CredentialNotFoundError(f"no credential has {what}")
    record, standing = row.record, None
    if standing_applies(record):
        assert record.organization_id is not None
        standing = await standing_facts(conn, record.organization_id, record, now=record.issued_at)
    return LookupFacts(row, standing)


def cached_answer(ctx: ServiceContext, key: str, now: datetime) -> bytes | None:
    """The encoded answer for `key` ("id:<id>" or "code:<code>") when the cache holds one for `now` (no I/O).

    An entry whose span has passed is judged again from its facts (a verdict changed by time alone)."""
    cache = ctx.lookup_cache
    found = cache.get(key)
    if found is None:
        return None
    if found.holds_at(now):
        return found.body
    answer = answer_from_facts(found.facts, settings=ctx.settings, now=now)
    cache.put(key, answer, answer.facts.tags, read_at_generation=cache.generation)
    return answer.body


def served_answer(ctx: ServiceContext, key: str, now: datetime) -> ServedAnswer | None:
    """The response recorded for the answer the cache holds for `key`, when there is one and it holds at `now`
    (an answer past its span is judged again by the routes, and recorded again)."""
    found = ctx.lookup_cache.get(key)
    if found is None or found.served is None or not found.holds_at(now):
        return None
    return found.served


def remember_served(ctx: ServiceContext, key: str, served: ServedAnswer, *, read_at_generation: int) -> bool:
    """Keep `served` with the cached answer for `key` when it is that answer's response (the same body) and no note
    arrived since `read_at_generation` (taken before the request was answered): the same entry, so the same tags
    and the same span of time apply to it."""
    cache = ctx.lookup_cache
    found = cache.get(key)
    if found is None or found.served is not None or found.body != served.body:
        return False
    return cache.put(key, replace(found, served=served), found.facts.tags, read_at_generation=read_at_generation)


async def lookup_answer(conn: Connection, ctx: ServiceContext, key: str, *, now: datetime) -> bytes:
    """The encoded public answer for `key` now: from the cache, else read (one statement), judged and cached."""
    cached = cached_answer(ctx, key, now)
    if cached is not None:
        return cached
    cache = ctx.lookup_cache
    generation = cache.generation  # before the read: a note arriving during it keeps the answer out of the cache
    if key.startswith("id:"):
        credential_id = key[3:]
        if not is_credential_id(credential_id):
            raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
        facts = await read_lookup_facts(conn, credential_id=credential_id)
    else:
        facts = await read_lookup_facts(conn, code=key[5:])
    answer = answer_from_facts(facts, settings=ctx.settings, now=now)
    cache.put(key, answer, facts.tags, read_at_generation=generation)
    return answer.body


def lookup_key_for_code(raw_code: str) -> str:
    """The cache key of a typed verification code (InvalidVerificationCodeError, a 422, for one that cannot be)."""
    return "code:" + normalize_verification_code(raw_code)


async def lookup_credential(
    conn: Connection, ctx: ServiceContext, credential_id: str, *, now: datetime, at: datetime | None = None
) -> CredentialView:
    """The public view now, or (with `at`) as it stood at that moment, replayed from the event history.

    Now: the one judgement, with the organisation rules' standing derived from the data (nothing is written on
    read, and no argument changes the answer). At a past moment: the stored status replayed from the events.
    """
    if not is_credential_id(credential_id):
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    if at is None:
        return view_from_facts(
            await read_lookup_facts(conn, credential_id=credential_id), settings=ctx.settings, now=now
        )
    if at > now:
        raise InvalidInputError("`at` is in the future; ask about the present or the past")
    settings = ctx.settings
    record = await Credentials(conn).get(credential_id)
    if record is None:
        raise CredentialNotFoundError(f"no credential has id {credential_id!r}")
    events = await Events(conn).credential_events(record.id)
    stored_at, reason = status_at([(e.kind, e.data) for e in events if e.occurred_at <= at])
    if stored_at is None:
        raise CredentialNotFoundError(
            f"credential {record.id} was issued at {rfc3339(record.issued_at)}; it did not exist at {rfc3339(at)}"
        )
    verdict = judge_credential(record, now=at, stored_status=stored_at, stored_reason=reason)
    view = credential_view(record, stored_proof_check(record), verdict, settings=settings, now=at)
    if verdict.state == "superseded":
        view.superseded_by = await Credentials(conn).successor_of(record.id)
        view.current = await Credentials(conn).newest_in_chain(record.id)
    view.notices = await prerequisite_notices(Credentials(conn), record, at)
    view.at = at
    return view


async def prerequisite_notices(credentials: Credentials, record: CredentialRecord, now: datetime) -> list[str]:
    """PAI policy: a credential stays valid when the one it builds on is later revoked, suspended or lapses, but
    every answer about it says so."""
    if TIERS[record.tier].builds_on is None or record.holder_id is None:
        return []
    states = await credentials.prerequisite_states(record.holder_id, TIERS[record.tier].builds_on or "")
    return notices_from_prerequisite(record, states[0] if states else None, now)


def notices_from_prerequisite(record: CredentialRecord, newest: PrerequisiteState | None, now: datetime) -> list[str]:
    """The notices of `prerequisite_notices`, given the holder's newest prerequisite credential (None: none)."""
    builds_on = TIERS[record.tier].builds_on
    if builds_on is None or record.holder_id is None:
        return []
    if newest is None:
        return [f"No {builds_on} credential is on record for this holder, although {record.tier} builds on it."]
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
