"""Checks only the PAI can make about its own credentials: status, register entry and the tier's meaning.

Pure: the service reads the register row, the holder's other credentials and the public status label, and passes
them in. The register entry is the authority: a document the PAI's key signed that is not (or not exactly) the one
the register holds under that id is not a PAI certification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.domain.tiers import TIERS
from verify_api.verification.assessment import RegisterFindings
from verify_api.verification.report import REGISTER, STATUS, TIER, failed, passed, unchecked

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from verify_api.db.records import CredentialRecord
    from verify_api.schemas import Check


def credential_id_from_url(url: str | None, base_url: str) -> str | None:
    """The register id in a PAI credential URL (``{base}/v1/credentials/{id}``), or None for any other URL."""
    prefix = f"{base_url}/v1/credentials/"
    if not isinstance(url, str) or not url.startswith(prefix):
        return None
    rest = url.removeprefix(prefix)
    return rest if rest and "/" not in rest else None


def not_in_register(credential_url: str | None) -> RegisterFindings:
    shown = credential_url or "(no id)"
    return RegisterFindings(
        checks=[
            unchecked(STATUS, "not in the PAI's register, so the PAI holds no status for it"),
            failed(
                REGISTER,
                f"the PAI's register has no credential {shown}: the PAI's key signed it, but it is not a "
                "PAI certification",
            ),
        ]
    )


def register_findings(
    record: CredentialRecord,
    presented: dict[str, Any],
    *,
    status_label: str,
    held: Sequence[dict[str, Any]],
) -> RegisterFindings:
    """`status_label` is `services.lookup.public_status(record, now)`; `held` the subject's credentials (any tier)."""
    matches = same_content(record.document, presented)
    if matches:
        register = passed(
            REGISTER,
            f"matches credential {record.id} in the PAI's register (verification code {record.verification_code})",
        )
    else:
        register = failed(REGISTER, f"differs from credential {record.id} as the PAI's register holds it")
    return RegisterFindings(
        checks=[status_check(record, status_label), register, tier_check(record, held)],
        issued_at=record.issued_at if matches else None,
        pai_credential_id=record.id,
        tier=record.tier,
    )


def same_content(stored: bytes, presented: dict[str, Any]) -> bool:
    """Equal as JSON, proof aside (the proof is checked on its own; the claims must be exactly the issued ones)."""
    document = msgspec.json.decode(stored)
    return isinstance(document, dict) and _without_proof(document) == _without_proof(presented)


def status_check(record: CredentialRecord, status_label: str) -> Check:
    if record.status == "active":
        return passed(STATUS, "neither revoked nor suspended (from the PAI's register)")
    reason = f" ({record.status_reason})" if record.status_reason else ""
    return failed(STATUS, f"{status_label}{reason}")


def tier_check(record: CredentialRecord, held: Sequence[dict[str, Any]]) -> Check:
    """What the tier means, and whether the credential it builds on was held when this one was issued."""
    info = TIERS[record.tier]
    meaning = f"{info.title}: {info.description}"
    prerequisite = info.builds_on
    if prerequisite is None:
        return passed(TIER, meaning)
    earlier = [c for c in held if c["tier"] == prerequisite and _held_at(c, record.issued_at)]
    if not earlier:
        return failed(
            TIER,
            f"a {record.tier} requires {_article(prerequisite)} {prerequisite} first, "
            f"but the holder had no {prerequisite} when this credential was issued",
        )
    detail = f"{meaning} The holder held {prerequisite} {earlier[0]['id']} when it was issued."
    current = [c for c in held if c["tier"] == prerequisite and c["status"] != "superseded"]
    if current and current[-1]["status"] in ("revoked", "suspended"):
        # PAI policy (README, "Prerequisite policy"): the higher credential stays valid, and the report says so.
        detail += (
            f" That {prerequisite} has since been {current[-1]['status']}; under PAI policy this {record.tier} "
            "remains valid."
        )
    return passed(TIER, detail)


def _article(tier: str) -> str:
    return "an" if tier[0] in "AEIOU" else "a"


def _held_at(credential: dict[str, Any], at: datetime) -> bool:
    valid_from: datetime = credential["valid_from"]
    valid_until: datetime = credential["valid_until"]
    return valid_from <= at < valid_until


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}
