"""Checks only the PAI can make about its own credentials: status, register entry and the tier's meaning.

Pure: the service reads the register row and judges it (`domain.verdict.judge_credential`, the one judgement every
path asks), judges the holder's prerequisite credentials, and passes the judgements in. The register entry is the
authority: a document a PAI key signed that is not (or not exactly) the one the register holds under that id is not
a PAI certification, and its status is a failure, never "could not check".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.domain.tiers import TIERS
from verify_api.verification.assessment import RegisterFindings
from verify_api.verification.register_facts import claim_differences, describe_differences, register_entry
from verify_api.verification.report import REGISTER, STATUS, TIER, failed, passed, state_phrase

if TYPE_CHECKING:
    from collections.abc import Sequence

    from verify_api.db.records import CredentialRecord, VcApiCredentialRecord
    from verify_api.domain.verdict import CredentialVerdict
    from verify_api.schemas import Check


def credential_id_from_url(url: str | None, base_url: str) -> str | None:
    """The register id in a PAI credential URL (``{base}/v1/credentials/{id}``), or None for any other URL."""
    prefix = f"{base_url}/v1/credentials/"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    rest = url.removeprefix(prefix)
    return rest if rest and "/" not in rest else None


@dataclass(frozen=True)
class HeldPrerequisite:
    """A credential of the prerequisite tier the subject holds, judged twice by `judge_credential`: at the moment
    the presented credential was issued (status replayed from the event log), and now."""

    credential_id: str
    at_issuance: CredentialVerdict | None  # None: it did not exist yet
    now: CredentialVerdict


def not_in_register(credential_url: str | None) -> RegisterFindings:
    """A credential signed with a PAI key (or naming the PAI) that the register does not hold under its id: for a
    PAI credential the register is decisive, so its status is a failure, not a warning."""
    shown = credential_url or "(no id)"
    return RegisterFindings(
        checks=[
            failed(STATUS, "the PAI's register holds no status for it, so it cannot be valid"),
            failed(
                REGISTER,
                f"the PAI's register has no credential {shown}: whatever signed it, it is not a PAI certification",
            ),
        ]
    )


def register_findings(
    record: CredentialRecord,
    presented: dict[str, Any],
    *,
    judgement: CredentialVerdict,
    prerequisites: Sequence[HeldPrerequisite],
) -> RegisterFindings:
    """`judgement` is `judge_credential(record, now=now)`; `prerequisites` the subject's credentials of the tier
    this one builds on (empty when it builds on none)."""
    entry = register_entry(record, judgement)
    stored = msgspec.json.decode(record.document)
    if not (isinstance(stored, dict) and _without_proof(stored) == _without_proof(presented)):
        differences = claim_differences(stored, presented) if isinstance(stored, dict) else []
        what = f": {describe_differences(differences)}" if differences else ""
        return RegisterFindings(
            checks=[
                failed(STATUS, f"not the credential {record.id} the PAI's register holds, so its status is unknown"),
                failed(REGISTER, f"differs from credential {record.id} as the PAI's register holds it{what}"),
            ],
            entry=entry,
            differences=differences,
        )
    register = passed(
        REGISTER,
        f"matches credential {record.id} in the PAI's register (verification code {record.verification_code})",
    )
    return RegisterFindings(
        checks=[status_check(judgement), register, tier_check(record, prerequisites)],
        issued_at=record.issued_at,
        pai_credential_id=record.id,
        tier=record.tier,
        judgement=judgement,
        entry=entry,
    )


def vc_api_register_findings(
    record: VcApiCredentialRecord, presented: dict[str, Any], *, judgement: CredentialVerdict
) -> RegisterFindings:
    """A credential the PAI's VC API signed (`POST /credentials/issue`): in the register with its own status, but no
    PAI certification, so there is no tier to check. `judgement` is `judge_vc_api_entry(record, now=now)`."""
    if not same_content(record.document, presented):
        return RegisterFindings(
            checks=[
                failed(STATUS, f"not the credential {record.id} the PAI's register holds, so its status is unknown"),
                failed(REGISTER, f"differs from the credential the PAI's VC API issued (register entry {record.id})"),
            ]
        )
    register = passed(
        REGISTER, f"matches the credential the PAI's VC API issued (register entry {record.id}; not a certification)"
    )
    return RegisterFindings(checks=[status_check(judgement), register], issued_at=record.issued_at, judgement=judgement)


def same_content(stored: bytes, presented: dict[str, Any]) -> bool:
    """Equal as JSON, proof aside (the proof is checked on its own; the claims must be exactly the issued ones)."""
    document = msgspec.json.decode(stored)
    return isinstance(document, dict) and _without_proof(document) == _without_proof(presented)


def status_check(judgement: CredentialVerdict) -> Check:
    """The register's state, as `judge_credential` decides it, with since when and why."""
    if judgement.valid:
        return passed(STATUS, "valid: neither revoked, suspended, superseded nor expired (from the PAI's register)")
    return failed(
        STATUS, f"{state_phrase(judgement.state, judgement.since, judgement.reason)} (from the PAI's register)"
    )


def tier_check(record: CredentialRecord, prerequisites: Sequence[HeldPrerequisite]) -> Check:
    """What the tier means, and whether the credential it builds on was valid when this one was issued."""
    info = TIERS[record.tier]
    meaning = f"{info.title}: {info.description}"
    prerequisite = info.builds_on
    if prerequisite is None:
        return passed(TIER, meaning)
    earlier = [p for p in prerequisites if p.at_issuance is not None and p.at_issuance.valid]
    if not earlier:
        return failed(
            TIER,
            f"a {record.tier} requires {_article(prerequisite)} {prerequisite} first, "
            f"but the holder had no valid {prerequisite} when this credential was issued",
        )
    detail = f"{meaning} The holder held {prerequisite} {earlier[0].credential_id} when it was issued."
    if not any(p.now.valid for p in prerequisites):
        latest = prerequisites[-1]
        # PAI policy (README, "Prerequisite policy"): the higher credential stays valid, and the report says so.
        when = [latest.now.since.isoformat()] if latest.now.since else []
        why = ", ".join([f"since {w}" for w in when] + ([latest.now.reason] if latest.now.reason else []))
        detail += (
            f" That {prerequisite} has since been {latest.now.state.replace('_', ' ')}{f' ({why})' if why else ''}; "
            f"under PAI policy this {record.tier} remains valid."
        )
    return passed(TIER, detail)


def _article(tier: str) -> str:
    return "an" if tier[0] in "AEIOU" else "a"


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}
