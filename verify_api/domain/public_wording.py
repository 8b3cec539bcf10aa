"""How public pages word a credential's status and its reason: humane, decided per reason, human dates.

The reason code stays in the JSON for integrators (`statusReason`, `reason`); a page never prints it. Some reasons
are the PAI's business alone and read only "suspended by the PAI" / "revoked by the PAI" (an investigation, a
misconduct finding, an administrative act): a page that says more could harm a person before any finding, or say
what the PAI has not chosen to publish. The others say why, in plain words.
"""

from __future__ import annotations

import re
from datetime import datetime

from verify_api.domain.dates import long_date

# reason code -> the clause a page shows after the status, or None: the status alone ("... by the PAI").
REASON_WORDS: dict[str, str | None] = {
    "under_investigation": None,
    "misconduct": None,
    "administrative": None,
    "assessment_invalidated": None,
    "holder_request": "at the holder's request",
    "governance_review_overdue": "its governance review is overdue",
    "staff_below_minimum": "fewer certified staff than the designation requires",
    "issued_in_error": "it was issued in error",
    "key_compromise": "the key that signed it is no longer trusted",
    "signed_before_key_created": "it names a signing time before its key existed",
    "signed_after_key_retired": "it was signed after its key was retired",
    "recertified": "the holder recertified",
    "details_corrected": "its details were corrected",
    "key_rotation": "the PAI re-signed it with a new key",
    "governance_review_recorded": "a governance review was recorded",
}

_STATE_WORDS = {
    "suspended": "suspended by the PAI on",
    "revoked": "revoked by the PAI on",
    "superseded": "replaced by a newer credential on",
    "expired": "expired on",
    "not_yet_valid": "not valid before",
    "key_compromised": "revoked by the PAI on",
    "untrusted_key": "not trusted: its signing key was not valid when it was issued, noted on",
}


def public_reason(reason: str | None) -> str | None:
    """The clause a page may show for a reason code; None to show none. An unknown code shows none either."""
    return REASON_WORDS.get(reason) if reason else None


def public_status_phrase(state: str, since: datetime | None, reason: str | None) -> str:
    """ "revoked by the PAI on 3 March 2027", "suspended by the PAI on 1 May 2027: at the holder's request"."""
    words = _STATE_WORDS.get(state, state.replace("_", " "))
    bare = words.removesuffix(" on").removesuffix(", noted")
    phrase = f"{words} {long_date(since)}" if since is not None else bare
    clause = public_reason(reason)
    return f"{phrase}: {clause}" if clause else phrase


_ISO_INSTANT = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")
_REASON_IN_TEXT = re.compile(r" ?\((" + "|".join(sorted(REASON_WORDS, key=len, reverse=True)) + r")\)")


def humane_text(text: str) -> str:
    """A check's detail as a page shows it: RFC 3339 instants as long dates, reason codes in their public words."""

    def date_of(match: re.Match[str]) -> str:
        try:
            return long_date(datetime(int(match[1]), int(match[2]), int(match[3])))  # noqa: DTZ001 (a calendar date)
        except ValueError:
            return match[0]

    def reason_of(match: re.Match[str]) -> str:
        clause = public_reason(match[1])
        return f" ({clause})" if clause else ""

    return _REASON_IN_TEXT.sub(reason_of, _ISO_INSTANT.sub(date_of, text))
