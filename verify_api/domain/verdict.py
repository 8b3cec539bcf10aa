"""The one judgement: what a credential in the PAI's register is at a moment.

Every path that says whether a PAI credential is valid asks `judge_credential`: the lookup by id and by code,
`POST /v1/verify`, the VC API, the pages, the badges and offline QR, the tier rules, CAI staff counts and the
status lists. Pure: the caller reads the register row (the credential joined with the key that signed it) and,
for a moment in the past, the stored status replayed from the event log.

States, most decisive first: a credential signed inside a compromised key window, or outside its key's service
window, is `key_compromised` / `untrusted_key` whatever its stored status; then `revoked`, `superseded`,
`suspended` (stored); then `suspended` by the organisation rules (derived: a CAI past its staff grace, a CAE past
its governance grace, whether or not a rule run has written it yet); then `not_yet_valid` and `expired` (derived
from the dates, never stored); else `valid`.

The organisation rules enter as the organisation's `Standing` (domain/organization_rules), which the caller
computes from the same data the rules read. A suspension the rules made themselves (`RULE_SUSPENSIONS`) that the
standing no longer calls for is judged as lifted: the rules would reinstate it on their next run, so every path
already says so.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

import msgspec

from verify_api.domain.lifecycle import REASONS

if TYPE_CHECKING:
    from verify_api.domain.lifecycle import StoredStatus
    from verify_api.domain.organization_rules import Standing
    from verify_api.domain.tiers import Tier


class SignedEntry(Protocol):
    """What the judgement reads of any register entry: when it was issued, and the window of the key that signed it
    (the storage rows `db.records.CredentialRecord` and `VcApiCredentialRecord` have these; the domain names only
    what it reads, so it imports nothing from storage)."""

    @property
    def issued_at(self) -> datetime: ...
    @property
    def key_created_at(self) -> datetime: ...
    @property
    def key_retired_at(self) -> datetime | None: ...
    @property
    def key_compromised_since(self) -> datetime | None: ...
    @property
    def status(self) -> StoredStatus: ...
    @property
    def status_reason(self) -> str | None: ...
    @property
    def status_changed_at(self) -> datetime | None: ...
    @property
    def valid_from(self) -> datetime: ...


class VcApiEntry(SignedEntry, Protocol):
    """A credential POST /credentials/issue signed: `validUntil` is optional."""

    @property
    def valid_until(self) -> datetime | None: ...


class CertificationEntry(SignedEntry, Protocol):
    """A PAI certification in the register: a tier, and always an end date."""

    @property
    def tier(self) -> Tier: ...
    @property
    def valid_until(self) -> datetime: ...


State = Literal[
    "valid", "not_yet_valid", "expired", "suspended", "revoked", "superseded", "key_compromised", "untrusted_key"
]
# The public status word of each state (the `status` member of a lookup): key problems read as "revoked", with
# their own reason, because the credential can never become valid again.
PublicStatus = Literal["active", "not_yet_valid", "expired", "suspended", "revoked", "superseded"]
PUBLIC_STATUS: dict[State, PublicStatus] = {
    "valid": "active",
    "not_yet_valid": "not_yet_valid",
    "expired": "expired",
    "suspended": "suspended",
    "revoked": "revoked",
    "superseded": "superseded",
    "key_compromised": "revoked",
    "untrusted_key": "revoked",
}


# Suspensions the organisation rules make and lift themselves. A CAE's overdue-governance suspension is lifted by
# recording the review, which renews the credential (a write), so only the CAI's is lifted by the standing alone.
RULE_SUSPENSIONS: dict[str, str] = {"staff_below_minimum": "CAI", "governance_review_overdue": "CAE"}
SELF_LIFTING_SUSPENSIONS = ("staff_below_minimum",)
# The reasons of a signing-key problem (judge_key_window), read as "revoked" whatever the stored status says.
KEY_COMPROMISE, SIGNED_AFTER_KEY_RETIRED, SIGNED_BEFORE_KEY_CREATED = KEY_WINDOW_REASONS = (
    "key_compromise",
    "signed_after_key_retired",
    "signed_before_key_created",
)
# Every public reason code a credential's status can carry (`statusReason`, a history entry's or a report's `reason`):
# the status changes' own (domain.lifecycle.REASONS) and the key window's.
PUBLIC_REASONS = tuple(dict.fromkeys([*(code for codes in REASONS.values() for code in codes), *KEY_WINDOW_REASONS]))


class CredentialVerdict(msgspec.Struct, frozen=True, kw_only=True):
    state: State
    # Public reason code (e.g. `misconduct`, `key_compromise`), None for valid, expired and not yet valid.
    reason: str | None = None
    # When the credential stopped being valid (or, for not_yet_valid, when it starts), when known.
    since: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.state == "valid"

    @property
    def public_status(self) -> PublicStatus:
        return PUBLIC_STATUS[self.state]


def judge_credential(
    record: CertificationEntry,
    *,
    now: datetime,
    stored_status: StoredStatus | None = None,
    stored_reason: str | None = None,
    standing: Standing | None = None,
) -> CredentialVerdict:
    """Judge a register entry at `now`.

    `stored_status`/`stored_reason` override the row's (history replay). `standing` is the organisation's standing
    at `now` under the organisation rules, for an organisation's credential (None for people, or for the past).
    """
    key_problem = judge_signing_key(record)
    if key_problem is not None:
        return key_problem
    status = stored_status or record.status
    reason = stored_reason if stored_status is not None else record.status_reason
    if status == "suspended" and not _lifted_by_rules(record, reason, standing):
        return CredentialVerdict(state="suspended", reason=reason, since=record.status_changed_at)
    if status in ("revoked", "superseded"):
        return CredentialVerdict(state=status, reason=reason, since=record.status_changed_at)
    rule = _suspended_by_rules(record, standing, now)
    if rule is not None:
        return rule
    if now < record.valid_from:
        return CredentialVerdict(state="not_yet_valid", since=record.valid_from)
    if now >= record.valid_until:
        return CredentialVerdict(state="expired", since=record.valid_until)
    return CredentialVerdict(state="valid")


def judge_vc_api_entry(record: VcApiEntry, *, now: datetime) -> CredentialVerdict:
    """Judge a credential POST /credentials/issue signed (not a certification: no tier, no organisation rules) by
    the same precedence: its key window, then its stored status, then its dates (`validUntil` may be absent)."""
    key_problem = judge_signing_key(record)
    if key_problem is not None:
        return key_problem
    if record.status in ("revoked", "superseded", "suspended"):
        return CredentialVerdict(state=record.status, reason=record.status_reason, since=record.status_changed_at)
    if now < record.valid_from:
        return CredentialVerdict(state="not_yet_valid", since=record.valid_from)
    if record.valid_until is not None and now >= record.valid_until:
        return CredentialVerdict(state="expired", since=record.valid_until)
    return CredentialVerdict(state="valid")


def judge_signing_key(record: SignedEntry) -> CredentialVerdict | None:
    """The key window, judged by the register's `issued_at` (never by a proof's own `created` claim)."""
    return judge_key_window(
        record.issued_at,
        created_at=record.key_created_at,
        retired_at=record.key_retired_at,
        compromised_since=record.key_compromised_since,
    )


def judge_key_window(
    issued_at: datetime, *, created_at: datetime, retired_at: datetime | None, compromised_since: datetime | None
) -> CredentialVerdict | None:
    """The one key-window rule: a key signs validly in [created_at, retired_at), and never at or after the moment
    it was declared compromised (`compromised_since`). None when `issued_at` is inside the window."""
    if compromised_since is not None and issued_at >= compromised_since:
        return CredentialVerdict(state="key_compromised", reason=KEY_COMPROMISE, since=compromised_since)
    if retired_at is not None and issued_at >= retired_at:
        return CredentialVerdict(state="untrusted_key", reason=SIGNED_AFTER_KEY_RETIRED, since=issued_at)
    if issued_at < created_at:
        return CredentialVerdict(state="untrusted_key", reason=SIGNED_BEFORE_KEY_CREATED, since=issued_at)
    return None


def _suspended_by_rules(
    record: CertificationEntry, standing: Standing | None, now: datetime
) -> CredentialVerdict | None:
    """A rule's suspension that is due at `now` (CAI past its staff grace, CAE past its governance grace)."""
    if standing is None or not standing.suspension_due(now) or standing.reason is None:
        return None
    if RULE_SUSPENSIONS.get(standing.reason) != record.tier:
        return None
    return CredentialVerdict(state="suspended", reason=standing.reason, since=standing.suspends_at)


def _lifted_by_rules(record: CertificationEntry, reason: str | None, standing: Standing | None) -> bool:
    """A suspension the rules made for a shortfall that has since been made good (the rules reinstate it)."""
    return (
        standing is not None
        and reason in SELF_LIFTING_SUSPENSIONS
        and RULE_SUSPENSIONS.get(reason or "") == record.tier
        and not standing.at_risk
    )
