"""Publishing Bitstring Status List credentials, signed, at a public URL.

A list is rebuilt from the credentials table (or, for `?timestamp=`, from the event history) and its signed bytes
cached in process by (id, version[, time], derived bits, key). The current list is served from memory
(`ServiceContext.current_lists`, a TaggedCache) while the change feed is subscribed: every write that can flip one
of its bits sends a note naming it (migrations 0009 and 0013's triggers: a status change, a list version bump; a
key's change flushes everything), and an entry also ends at the first instant at which the organisation rules
could flip a bit by time alone, so a reply is never stale once the API has answered a change, and no later than
1 s on another worker or instance.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.lookups import LookupRow
from verify_api.db.signing_keys import SigningKeys
from verify_api.db.status_lists import StatusLists, StatusListVersion
from verify_api.domain.credential import VC_V2_CONTEXT, did_web_for, status_list_url
from verify_api.domain.dates import rfc3339
from verify_api.domain.status_list import encode_list, generate_bitstring
from verify_api.errors import InvalidInputError, NotFoundError
from verify_api.services.caches import CurrentList, PublishedList
from verify_api.services.context import usable_signing_key
from verify_api.services.judgement import judge_with_facts, standing_applies, standing_facts
from verify_api.services.lookup import LookupFacts
from verify_api.verification.assessment import RegisterFindings
from verify_api.verification.report import REGISTER, STATUS, failed, passed, unchecked

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import IssuerKey, ServiceContext
    from verify_api.settings import Settings
    from verify_api.verification.document import CredentialShape


class StatusListNotFoundError(NotFoundError):
    """No status list has that id."""


def build_status_list_credential(
    status_list: StatusListVersion, set_indexes: list[int], *, base_url: str, valid_from: datetime
) -> dict[str, Any]:
    """A BitstringStatusListCredential (Bitstring Status List v1.0, section 2.2)."""
    url = status_list_url(base_url, status_list.id)
    return {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_web_for(base_url),
        "validFrom": rfc3339(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_list(generate_bitstring(status_list.size, set_indexes)),
        },
    }


# PLR0913: the CPU-bound step run in a thread takes its inputs one by one, not the context: the list version, its set
# bits, the key the caller just checked in the register, the settings, and two instants (described as of `at`,
# signed at `signed_at`, which may differ across a key rotation)
def sign_status_list_sync(  # noqa: PLR0913
    status_list: StatusListVersion,
    set_indexes: list[int],
    *,
    key: IssuerKey,
    settings: Settings,
    at: datetime,
    signed_at: datetime | None = None,
) -> bytes:
    """Sign the list as it stood `at`; the proof's `created` is `signed_at` (default `at`)."""
    document = build_status_list_credential(status_list, set_indexes, base_url=settings.base_url, valid_from=at)
    return msgspec.json.encode(
        key.sign_sync(document, cryptosuite=settings.default_cryptosuite, created=signed_at or at)
    )


def cached_status_list(ctx: ServiceContext, list_id: str, now: datetime) -> PublishedList | None:
    """The current list `list_id` when this process holds it for `now` (no I/O): nothing that can flip one of its
    bits was written since it was built (the change feed drops it: a status change, a key's compromise or
    retirement, a change to what the organisation rules read for its organisations), and the clock has not
    reached an instant at which a bit could change by time alone (`CurrentList.holds_until`)."""
    found = ctx.current_lists.get(list_id)
    return found.published if found is not None and found.holds_at(now) else None


async def published_status_list(
    conn: Connection, ctx: ServiceContext, list_id: str, *, now: datetime, at: datetime | None = None
) -> PublishedList:
    """GET /v1/status-lists/{id}: the signed list now (or as it stood `at`), built once per version and key."""
    if at is None:
        found = cached_status_list(ctx, list_id, now)
        if found is not None:
            return found
    current_lists = ctx.current_lists
    generation = current_lists.generation  # before the reads: a note arriving during them keeps the list out
    settings, cache = ctx.settings, ctx.status_list_cache
    lists = StatusLists(conn)
    status_list = await lists.get(list_id) if len(list_id) <= 40 else None
    if status_list is None:
        raise StatusListNotFoundError(f"no status list has id {list_id!r}")
    if at is not None and at > now:
        raise InvalidInputError("timestamp is in the future; a status list can only be shown as it was")
    # The list describes its last change (or the asked-for time); every process builds identical bytes from it.
    moment = status_list.updated_at if at is None else at
    # Never serve (or sign) a list with a key the register has retired or declared compromised; the key is part of
    # the cache key, so a list cached under a key that is no longer usable is never served again.
    key = await usable_signing_key(conn, ctx.issuer_key)
    # The proof's `created` must fall inside the signing key's service window, or our own verifier (rightly)
    # refuses the list: a historical list, or one unchanged since before a rotation, is described as of `moment`
    # but signed no earlier than the key that signs it came into service.
    signed_at = max(moment, await _key_in_service_since(conn, key, fallback=moment))
    ruled = await organization_bits(conn, status_list) if at is None else []
    derived = derived_bits(ruled, settings=settings, now=now)
    stored = set(await lists.set_indexes(status_list, at))
    indexes = sorted((stored - {i for i, on in derived.items() if not on}) | {i for i, on in derived.items() if on})
    # The bits are part of the key: a row written without a version bump (by hand) still gets its list re-signed.
    variant = ("" if at is None else rfc3339(at)) + _digest(indexes) + "@" + key.verification_method
    cache_key = (list_id, status_list.version, variant)
    published = cache.get(cache_key)
    if published is None:
        body = await asyncio.to_thread(
            sign_status_list_sync, status_list, indexes, key=key, settings=settings, at=moment, signed_at=signed_at
        )
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        published = PublishedList(body=body, etag=etag, last_modified=moment, historical=at is not None)
        cache.put(cache_key, published)
    if at is None:
        holds_from, holds_until = span_of_bits(ruled, settings=settings, now=now)
        tags = [f"status_list:{list_id}", *(tag for bit in ruled for tag in bit.facts.tags)]
        current_lists.put(list_id, CurrentList(published, holds_from, holds_until), tags, read_at_generation=generation)
    return published


async def status_list_register_findings(
    conn: Connection,
    shape: CredentialShape,
    document: dict[str, Any],
    *,
    settings: Settings,
    signed_at: datetime | None,
) -> RegisterFindings | None:
    """What the register says of a presented status list credential the PAI's key signed: one of the lists the PAI
    publishes (by id and purpose), or None when the document is not a PAI status list at all.

    A status list is not a certification, so it has no register entry; without this, POST /v1/verify of the lists
    we serve (current or `?timestamp=`) failed as "not in the PAI's register".

    `signed_at` is the proof's `created` when the PAI key that made it was never declared compromised (then only the
    PAI can have signed it, so the claim is the PAI's own), else None: the key window is then judged by it.
    """
    prefix = status_list_url(settings.base_url, "")
    url = shape.credential_id
    if "BitstringStatusListCredential" not in shape.types or not isinstance(url, str) or not url.startswith(prefix):
        return None
    list_id = url.removeprefix(prefix)
    found = await StatusLists(conn).get(list_id) if 0 < len(list_id) <= 40 else None
    subject = document.get("credentialSubject")
    subject = subject if isinstance(subject, dict) else {}
    if found is None or subject.get("statusPurpose") != found.purpose:
        return RegisterFindings(
            checks=[
                unchecked(STATUS, "not a status list the PAI publishes, so the PAI holds no status for it"),
                failed(REGISTER, f"the PAI publishes no {subject.get('statusPurpose')!s} status list {url}"),
            ]
        )
    return RegisterFindings(
        checks=[
            passed(STATUS, "a status list carries no status of its own"),
            passed(REGISTER, f"the {found.purpose} status list {url} the PAI publishes (version {found.version})"),
        ],
        issued_at=signed_at,
    )


async def _key_in_service_since(conn: Connection, key: IssuerKey, *, fallback: datetime) -> datetime:
    record = await SigningKeys(conn).get(key.verification_method)
    return record.created_at if record is not None else fallback


@dataclass(frozen=True)
class RuledBit:
    """A suspension bit the organisation rules may set or clear with time alone: its index, and what the one
    judgement reads for it (the credential and its organisation's standing facts, as a public lookup reads them)."""

    index: int
    facts: LookupFacts


async def organization_bits(conn: Connection, status_list: StatusListVersion) -> list[RuledBit]:
    """The organisations' credentials on a suspension list whose bit the rules' standing enters (none on a
    revocation list: its bits are the stored status and the key window, which time alone never changes)."""
    if status_list.purpose != "suspension":
        return []
    bits = []
    for record, index in await Credentials(conn).organization_records_in_suspension_list(status_list.id):
        if not standing_applies(record):  # marked in the revocation list; its suspension bit stays put
            continue
        assert record.organization_id is not None
        standing = await standing_facts(conn, record.organization_id, record, now=record.issued_at)
        bits.append(RuledBit(index, LookupFacts(LookupRow(record, None, None, None), standing)))
    return bits


def derived_bits(ruled: list[RuledBit], *, settings: Settings, now: datetime) -> dict[int, bool]:
    """Suspension bits the one judgement sets or clears before any rule run has stored it (an organisation past
    its grace is suspended; a shortfall made good is lifted): index -> bit, only where it differs from storage."""
    changes: dict[int, bool] = {}
    for bit in ruled:
        record = bit.facts.row.record
        suspended = judge_with_facts(record, bit.facts.standing, settings=settings, now=now).state == "suspended"
        if suspended != (record.status == "suspended"):
            changes[bit.index] = suspended
    return changes


def span_of_bits(
    ruled: list[RuledBit], *, settings: Settings, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The span of time around `now` in which no ruled bit can change by time alone: between the latest instant of
    their facts at or before `now` and the earliest after it (`LookupFacts.instants`: the judgement compares `now`
    with nothing else), None where there is none."""
    instants = [moment for bit in ruled for moment in bit.facts.instants(settings)]
    before = [m for m in instants if m <= now]
    after = [m for m in instants if m > now]
    return (max(before) if before else None), (min(after) if after else None)


def _digest(indexes: list[int]) -> str:
    return hashlib.sha256(",".join(map(str, indexes)).encode()).hexdigest()[:32]
