"""The issuer check of a presented credential: who issued it, recognised by the signing key, never by what the
document says; a PAI key must have been valid when the register says the credential was issued, and an issuer that
is not the PAI must not imitate its identifier or name.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING
from urllib.parse import unquote

from verify_api.domain.verdict import judge_key_window
from verify_api.verification.report import ISSUER, Classification, failed, passed, unchecked

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.records import SigningKeyRecord
    from verify_api.schemas import Check
    from verify_api.verification.document import CredentialShape
    from verify_api.verification.keyring import ResolvedKey
    from verify_api.verification.securing import SecuringOutcome

PAI_NAME = "Production AI Institute"


def check_issuer(
    shape: CredentialShape,
    securing: SecuringOutcome,
    pai_did: str,
    issued_at: datetime | None,
    *,
    pai_name: str = PAI_NAME,
) -> tuple[Check, Classification]:
    """Who issued it. The PAI is recognised by its key (any form: did:web, did:key, a JWK), never by what the
    document says; an issuer other than the PAI that imitates the PAI's identifier or name fails."""
    key = securing.key
    if key is not None and key.record is not None:
        return check_pai_issuer(shape, key, pai_did, issued_at), "pai"
    claims_pai = shape.issuer_id == pai_did
    if key is None:
        reason = "the signing key was not resolved, so the issuer cannot be confirmed"
        return unchecked(ISSUER, reason), "other"
    if claims_pai:
        return failed(
            ISSUER, f"claims to be the PAI ({pai_did}) but is signed with a key the PAI does not publish"
        ), "other"
    imitation = imitation_of_pai(shape, pai_did, pai_name)
    if imitation is not None:
        return failed(ISSUER, f"not the Production AI Institute: {imitation}"), "other"
    if key.origin == "embedded-jwk":
        return unchecked(
            ISSUER,
            f"not the PAI; the key is embedded in the JWT itself, so it shows the document is "
            f"unchanged but not that {shape.issuer_id} issued it",
        ), "other"
    if key.controller != shape.issuer_id:
        belongs = f"the signing key belongs to {key.controller}, not to the issuer {shape.issuer_id}"
        if shape.issuer_id.startswith("did:key:"):
            return failed(ISSUER, belongs), "other"
        return unchecked(
            ISSUER, f"not the PAI; {belongs}, and whether the issuer controls it cannot be checked offline"
        ), "other"
    if key.origin == "url-fragment":
        return unchecked(
            ISSUER,
            f"not the PAI; the key is named under {shape.issuer_id}, which PAI Verify does not "
            "fetch, so the issuer's control of the key is unproven",
        ), "other"
    return passed(ISSUER, f"issued by {shape.issuer_id}, not by the PAI; the key is the issuer's own did:key"), "other"


def check_pai_issuer(shape: CredentialShape, key: ResolvedKey, pai_did: str, issued_at: datetime | None) -> Check:
    """A proof made with a PAI key: the document must name the PAI (its did:web, or the did:key of that very key),
    and the key must have been valid when the register says the credential was issued (never the proof's claim)."""
    record = key.record
    assert record is not None
    # The DID the PAI published this very key under: its current one, or the one it had before PUBLIC_BASE_URL
    # changed (a credential keeps the issuer it was signed with; README "Changing PUBLIC_BASE_URL").
    published_under = record.kid.partition("#")[0]
    names_pai = shape.issuer_id in (pai_did, published_under) or (
        key.origin == "did:key" and shape.issuer_id == key.controller
    )
    if not names_pai:
        return failed(ISSUER, f"signed with the PAI's key {record.kid} but names another issuer ({shape.issuer_id})")
    if issued_at is None:
        return failed(
            ISSUER,
            f"signed with the PAI's key {record.kid}, but the PAI's register does not hold this credential, so when "
            "it was issued is unknown (a proof's own creation time is never trusted)",
        )
    problem = key_window_problem(record, issued_at)
    if problem:
        return failed(ISSUER, f"{problem} (issuance time from the PAI's register)")
    return passed(
        ISSUER,
        f"issued by the Production AI Institute ({pai_did}) with key {record.kid}, "
        "which was valid at issuance (the PAI's register)",
    )


def imitation_of_pai(shape: CredentialShape, pai_did: str, pai_name: str) -> str | None:
    """Why an issuer that is not the PAI imitates it, or None. The rule: its identifier contains the PAI's host
    (compared case-insensitively, after percent-decoding: `did:web:verify.example.evil`, `https://verify.example`),
    or its name contains the PAI's name (case- and spacing-insensitive, after Unicode NFKC)."""
    host = unquote(pai_did.removeprefix("did:web:")).split(":", 1)[0].lower()
    if host and host in unquote(shape.issuer_id).lower():
        return f"the issuer {shape.issuer_id} imitates the PAI's identifier {pai_did}"
    if shape.issuer_name and _folded(pai_name) in _folded(shape.issuer_name):
        return f"the issuer {shape.issuer_id} calls itself {shape.issuer_name!r}, a name only the PAI may use"
    return None


def _folded(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def key_window_problem(record: SigningKeyRecord, at: datetime | None) -> str | None:
    """Why the PAI key was not valid at `at`, in the report's words, or None; the rule is the lookup's
    (`domain.verdict.judge_key_window`): outside [created_at, retired_at), or at or after `compromised_since`."""
    if at is None:
        return "the issuance time is unknown, so the key's validity cannot be confirmed"
    verdict = judge_key_window(
        at, created_at=record.created_at, retired_at=record.retired_at, compromised_since=record.compromised_since
    )
    if verdict is None:
        return None
    if verdict.reason == "key_compromise":
        assert record.compromised_since is not None
        return f"signed with a key declared compromised since {record.compromised_since.isoformat()}"
    if verdict.reason == "signed_before_key_created":
        return f"claims issuance at {at.isoformat()}, before the key existed ({record.created_at.isoformat()})"
    assert record.retired_at is not None
    return f"signed after its key was retired on {record.retired_at.isoformat()}"
