"""What a signed-in holder's page (/me) shows (issue 13): each of their credentials as its badge page shows it (the
one judgement's status, the badge, share links, downloads), with its privacy choices, the account's choices, an
address change waiting for confirmation, and their history (the events of their credentials and the changes of
their account, in public words: no private notes, no staff names)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from verify_api.db.credentials import Credentials
from verify_api.db.holder_email_changes import HolderEmailChanges
from verify_api.db.holder_history import HolderHistory
from verify_api.db.holder_privacy import CredentialChoices, HolderPrivacy
from verify_api.db.holders import Holders
from verify_api.domain.public_wording import public_reason
from verify_api.domain.tiers import TIERS
from verify_api.errors import HolderNotFoundError
from verify_api.services.pages import badge_page

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.holder_email_changes import EmailChangeRecord
    from verify_api.db.holder_history import HolderEvent
    from verify_api.db.holder_privacy import AccountChoices
    from verify_api.db.pool import Connection
    from verify_api.db.records import HolderRecord
    from verify_api.services.context import ServiceContext
    from verify_api.services.pages import BadgePage

HISTORY_LIMIT = 50
CHOICE_LABELS = {
    "publicListing": "listed in the public directory",
    "indexable": "badge pages indexable by search engines",
    "listed": "listed in the public directory",
}
EVENT_WORDS = {
    "credential_issued": "Issued",
    "credential_suspended": "Suspended",
    "credential_reinstated": "Reinstated",
    "credential_revoked": "Revoked",
    "credential_superseded": "Replaced by a newer credential",
    "credential_expired": "Expired",
    "wallet_offer_requested": "You asked for a wallet offer",
}


@dataclass(frozen=True)
class HolderCredential:
    page: BadgePage
    choices: CredentialChoices

    @property
    def wallet_refusal(self) -> str | None:
        """Why this credential cannot be added to a wallet (None: it can): only one valid now goes to a wallet, as
        services.credential_offers decides (the badge page's status is the same one judgement's)."""
        view = self.page.view
        if view.status == "active" and view.verified:
            return None
        word = self.page.status.word.lower()
        return f"It cannot be added to a wallet: it is {word}, and only a valid credential can."


@dataclass(frozen=True)
class HistoryLine:
    at: datetime
    what: str
    credential_id: str | None
    details: list[str]


@dataclass(frozen=True)
class HolderHome:
    holder: HolderRecord
    account: AccountChoices
    credentials: list[HolderCredential]
    history: list[HistoryLine]
    email_change: EmailChangeRecord | None


def _yes_no(value: object) -> str:
    return "yes" if value is True else "no" if value is False else str(value or "none")


def _change_words(field: str, change: dict[str, Any], titles: Mapping[str, str]) -> str:
    if field == "email":
        return "e-mail address changed"
    if field == "displayName":
        return f"name: {change.get('old') or 'none'} → {change.get('new') or 'none'}"
    if field.startswith("credential "):
        _, credential_id, name = [*field.split(" "), "", ""][:3]
        which = titles.get(credential_id) or f"credential {credential_id}"  # its title, as the page shows it
        label = f"{CHOICE_LABELS.get(name, name)} ({which})"
    else:
        label = CHOICE_LABELS.get(field, field)
    return f"{label}: {_yes_no(change.get('old'))} → {_yes_no(change.get('new'))}"


def history_line(event: HolderEvent, titles: Mapping[str, str] | None = None) -> HistoryLine:
    """An event in the holder's words: what happened, never a private note or the staff member's name; a credential
    by its title (`titles`: id -> title), not its id."""
    if event.kind == "holder_changed":
        by = event.data.get("by")
        who = "you" if by == "holder" else "the PAI"
        changes = event.data.get("changes")
        details = (
            [_change_words(f, c, titles or {}) for f, c in changes.items() if isinstance(c, dict)]
            if isinstance(changes, dict)
            else []
        )
        return HistoryLine(event.occurred_at, f"Your account was changed by {who}", None, details)
    reason = event.data.get("reason")
    clause = public_reason(reason) if isinstance(reason, str) and event.kind != "credential_issued" else None
    what = EVENT_WORDS.get(event.kind, event.kind.removeprefix("credential_").replace("_", " ").capitalize())
    return HistoryLine(event.occurred_at, what, event.credential_id, [clause] if clause else [])


async def holder_home(conn: Connection, ctx: ServiceContext, holder_id: UUID, *, now: datetime) -> HolderHome:
    holder = await Holders(conn).get(holder_id)
    privacy = HolderPrivacy(conn)
    account = await privacy.account(holder_id)
    if holder is None or account is None:
        raise HolderNotFoundError(f"no holder has id {holder_id}")
    choices = {c.credential_id: c for c in await privacy.credential_choices(holder_id)}
    records = await Credentials(conn).holder_records(holder_id)
    credentials = [
        HolderCredential(await badge_page(conn, ctx, record.id, now=now), choices[record.id])
        for record in reversed(records)  # newest first
        if record.id in choices
    ]
    titles = {record.id: TIERS[record.tier].title for record in records if record.tier in TIERS}
    events = await HolderHistory(conn).holder_events(holder_id, HISTORY_LIMIT)
    return HolderHome(
        holder=holder,
        account=account,
        credentials=credentials,
        history=[history_line(e, titles) for e in events],
        email_change=await HolderEmailChanges(conn).open_change(holder_id, now),
    )
