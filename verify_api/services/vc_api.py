"""W3C VC API (VCALM) use-cases: issue a credential, verify a credential, verify a presentation.

Spec: https://w3c-ccg.github.io/vc-api/ §3.2.1 Issue Credential and §3.3.1/§3.3.2 Verify Credential/Presentation,
with problem types from VC Data Model 2.0 §7.1 (https://www.w3.org/TR/vc-data-model-2.0/#problem-details) and VC
Data Integrity §2.3 (https://www.w3.org/TR/vc-data-integrity/#processing-errors). Verification reuses the checks
of POST /v1/verify. Issuance signs a well-formed credential that does not claim a PAI certification, gives it
revocation and suspension entries in the published status lists and enters it in the register as a 'vc_api'
entry (not a certification), so POST /credentials/status can revoke or suspend it.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import msgspec

from verify_api import problem_types
from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.records import NewCredential
from verify_api.domain.codes import new_credential_id
from verify_api.domain.credential import did_web_for, status_list_url
from verify_api.domain.dates import rfc3339
from verify_api.domain.tier_claims import pai_tier_claims
from verify_api.errors import InvalidCredentialError
from verify_api.proofs.keys import did_key_for, did_key_verification_method
from verify_api.services.context import usable_signing_key
from verify_api.services.status_slots import draw_status_slots, record_status_slots
from verify_api.services.verification import load_keyring, verify_credential_value
from verify_api.verification.document import VC_V1_CONTEXT, read_credential_shape
from verify_api.verification.presentation import check_presentation_sync
from verify_api.verification.report import FORMAT, ISSUER, PROOF, REGISTER, STATUS, TIER, VALID_FROM, VALID_UNTIL
from verify_api.verification.signed_claims import check_signed_claims

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.domain.credential import StatusSlot
    from verify_api.schemas import Check
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Cryptosuite, Settings
    from verify_api.verification.document import CredentialShape
    from verify_api.verification.report import VerificationReport

DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"
# check name -> (problem type, title) when the check failed and carries no `problem_type` of its own.
PROBLEM_TYPES = {
    FORMAT: (problem_types.MALFORMED_VALUE_ERROR, "MALFORMED_VALUE_ERROR"),
    PROOF: (problem_types.PROOF_VERIFICATION_ERROR, "PROOF_VERIFICATION_ERROR"),
    ISSUER: (problem_types.CRYPTOGRAPHIC_SECURITY_ERROR, "CRYPTOGRAPHIC_SECURITY_ERROR"),
    VALID_FROM: (problem_types.CREDENTIAL_NOT_YET_VALID, "Credential not yet valid"),
    VALID_UNTIL: (problem_types.CREDENTIAL_EXPIRED, "Credential expired"),
    STATUS: (problem_types.CREDENTIAL_STATUS, "Credential status"),
    REGISTER: (problem_types.NOT_IN_PAI_REGISTER, "Not in the PAI register"),
    TIER: (problem_types.TIER_PREREQUISITE, "Tier prerequisite"),
}
# Every failed check makes `verified` false, and so does a proof that could not be checked. Two things PAI Verify
# cannot check offline are warnings, as the VC API verifier suites expect ("MUST verify a valid VC" signs with a
# did:key under an https issuer): a foreign status list (never fetched) and the issuer's control of a key named
# outside its own DID (never fetched). An issuer that imitates the PAI, or a PAI credential the register does not
# hold exactly, is a failed check, never a warning.
_WARNING_WHEN_UNCHECKED = (STATUS, ISSUER)


class ProblemDetail(msgspec.Struct, omit_defaults=True):
    type: str
    title: str
    detail: str


class CredentialVerification(msgspec.Struct, rename="camel"):
    verified: bool
    problem_details: list[ProblemDetail]
    warnings: list[ProblemDetail]


class PresentationVerification(msgspec.Struct, rename="camel", omit_defaults=True):
    verified: bool
    problem_details: list[ProblemDetail]
    results: dict[str, Any] = msgspec.field(default_factory=dict)
    verifiable_presentation: dict[str, Any] | None = None


T = TypeVar("T", "CredentialVerification", "PresentationVerification")


@dataclass(frozen=True)
class Verification(Generic[T]):
    """A VC API verification answer, and whether what failed was the input's form (`malformed`: 400) rather than
    its verification (422): decided from the failed checks' kind, never from problem titles."""

    body: T
    malformed: bool = False


def vc_api_identity(key: IssuerKey, settings: Settings) -> tuple[str, str]:
    """(issuer id, verification method) for POST /credentials/issue, per VC_API_ISSUER."""
    if settings.vc_api_issuer == "did:key":
        return did_key_for(key.signer.public_key), did_key_verification_method(key.signer.public_key)
    return did_web_for(settings.base_url), key.verification_method


def prepare_credential(
    credential: dict[str, Any], issuer_id: str, now: datetime, *, base_url: str
) -> tuple[dict[str, Any], CredentialShape]:
    """Check an unsecured credential for issuance and add what it needs; raise `InvalidCredentialError`.

    VC 1.1 input gets `issuanceDate` (when absent) and the Data Integrity context, which the 1.1 base context
    lacks (VC Data Integrity §2.1); VC 2.0's base context already defines DataIntegrityProof. A credential that
    claims a PAI certification (domain/tier_claims.py) or brings a status entry of its own in this issuer's lists
    (see `check_client_status_entries`) is refused.
    """
    if "proof" in credential:
        raise InvalidCredentialError("the credential already has a proof; send it unsecured", path="proof")
    check_client_status_entries(credential.get("credentialStatus"), base_url=base_url)
    document = copy.deepcopy(credential)
    context = document.get("@context")
    if isinstance(context, list) and context and context[0] == VC_V1_CONTEXT:
        document.setdefault("issuanceDate", rfc3339(now))
        # The status entry's terms (VC 1.1's base context lacks them), then Data Integrity for the proof.
        document["@context"] = [c for c in context if c != DATA_INTEGRITY_V2_CONTEXT] + [
            STATUS_TERMS_V1,
            DATA_INTEGRITY_V2_CONTEXT,
        ]
    shape = read_credential_shape(document)
    check_signed_claims(document)  # what we sign must be what a JSON reader of it reads (compacted form)
    if shape.issuer_id != issuer_id:
        raise InvalidCredentialError(
            f"issuer {shape.issuer_id!r} does not match this issuer's configured identity {issuer_id!r}", path="issuer"
        )
    claims = pai_tier_claims(document, base_url=base_url)
    if claims:
        raise InvalidCredentialError(
            "PAI certifications are issued only through POST /v1/credentials, under the tier rules; this credential "
            f"claims one: {'; '.join(claims)}",
            path="credential",
        )
    return document, shape


def check_client_status_entries(value: object, *, base_url: str) -> None:
    """A credential may bring status entries of other schemes (VC 2.0 §4.10 allows any type), kept as they are;
    the Bitstring Status List entries are this issuer's to assign, in its own lists, so a client-chosen one (which
    could name another credential's slot) is refused."""
    entries = value if isinstance(value, list) else [] if value is None else [value]
    for entry in entries:
        if not isinstance(entry, dict):
            continue  # read_credential_shape names the malformed entry
        own_list = any(isinstance(v, str) and v.startswith(f"{base_url}/") for v in entry.values())
        if entry.get("type") == "BitstringStatusListEntry" or own_list:
            raise InvalidCredentialError(
                "BitstringStatusListEntry entries are assigned by this issuer (one for revocation and one for "
                "suspension, in its own lists); send the credential without them",
                path="credentialStatus",
            )


def with_status_entries(document: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Append this issuer's entries to any the credential brought."""
    given = document.get("credentialStatus")
    kept = given if isinstance(given, list) else [] if given is None else [given]
    document["credentialStatus"] = [*kept, *entries]


def status_entries(base_url: str, slots: list[StatusSlot]) -> list[dict[str, Any]]:
    """`credentialStatus`: one BitstringStatusListEntry per slot (Bitstring Status List v1.0 §2.1). VC 1.1 has no
    term for it, so a 1.1 credential carries the entry's terms in an inline context (STATUS_TERMS_V1)."""
    return [
        {
            "id": f"{status_list_url(base_url, slot.list_id)}#{slot.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": slot.purpose,
            "statusListIndex": str(slot.index),
            "statusListCredential": status_list_url(base_url, slot.list_id),
        }
        for slot in slots
    ]


# The VC 2.0 context's definitions of the BitstringStatusListEntry terms (https://www.w3.org/ns/credentials/v2),
# for VC 1.1 credentials, whose base context lacks them.
_STATUS = "https://www.w3.org/ns/credentials/status#"
STATUS_TERMS_V1: dict[str, Any] = {
    "BitstringStatusListEntry": f"{_STATUS}BitstringStatusListEntry",
    "statusPurpose": f"{_STATUS}statusPurpose",
    "statusListIndex": f"{_STATUS}statusListIndex",
    "statusListCredential": {"@id": f"{_STATUS}statusListCredential", "@type": "@id"},
}


def sign_vc_api_credential_sync(
    document: dict[str, Any], key: IssuerKey, verification_method: str, *, cryptosuite: str, now: datetime
) -> dict[str, Any]:
    return key.sign_sync(document, cryptosuite=cryptosuite, created=now, verification_method=verification_method)


# PLR0913: connection, settings, key, clock and the use-case's own inputs are passed one by one until issue 9's
# one service context carries the shared ones
async def issue_credential(  # noqa: PLR0913
    conn: Connection,
    credential: dict[str, Any],
    key: IssuerKey,
    *,
    settings: Settings,
    cryptosuite: Cryptosuite | None,
    credential_id: str | None,
    now: datetime,
    actor: UUID | None,
) -> dict[str, Any]:
    """Sign an unsecured credential that is not a PAI certification, with revocation and suspension entries in the
    published status lists, and enter it in the register (kind 'vc_api'), all in one transaction.

    `credential_id` is the VC API's options.credentialId; POST /credentials/status finds the credential by it, or
    by the credential's own `id` (VC API §3.2.1, IssueCredentialOptions).
    """
    suite = cryptosuite or settings.default_cryptosuite
    async with conn.transaction():
        key = await usable_signing_key(conn, key, lock=True)
        issuer_id, verification_method = vc_api_identity(key, settings)
        document, shape = await asyncio.to_thread(
            prepare_credential, credential, issuer_id, now, base_url=settings.base_url
        )
        slots = await draw_status_slots(conn, settings.status_list_size, now)
        with_status_entries(document, status_entries(settings.base_url, slots))
        signed = await asyncio.to_thread(
            sign_vc_api_credential_sync, document, key, verification_method, cryptosuite=suite, now=now
        )
        register_id = new_credential_id()
        by_purpose = {s.purpose: s for s in slots}
        document_id = shape.credential_id or credential_id
        await Credentials(conn).insert(
            NewCredential(
                id=register_id,
                tier=None,
                holder_id=None,
                organization_id=None,
                subject_name="",
                verification_code=None,
                valid_from=shape.valid_from or now,
                valid_until=shape.valid_until,
                document=msgspec.json.encode(signed),
                cryptosuite=suite,
                signing_key_id=key.verification_method,
                revocation_list=by_purpose["revocation"].list_id,
                revocation_index=by_purpose["revocation"].index,
                suspension_list=by_purpose["suspension"].list_id,
                suspension_index=by_purpose["suspension"].index,
                predecessor_id=None,
                issued_at=now,
                issued_by=actor,
                kind="vc_api",
                document_id=document_id,
            )
        )
        await Events(conn).append(
            kind="credential_issued",
            occurred_at=now,
            credential_id=register_id,
            actor=actor,
            data={"kind": "vc_api", "cryptosuite": suite, "documentId": document_id},
        )
        await record_status_slots(conn, slots)
    return signed


async def find_vc_api_credentials(conn: Connection, credential_id: str) -> list[str]:
    """Register ids of the VC API credentials issued under this id (credential.id or options.credentialId)."""
    return await Credentials(conn).find_vc_api_ids(credential_id)


def vc_api_outcome(report: VerificationReport) -> Verification[CredentialVerification]:
    """The VC API view of a report: every failure is a problemDetail (a PAI credential's register, status and tier
    included), and so is anything that could not be checked except a foreign status list, which is a warning."""
    problems: list[ProblemDetail] = []
    warnings: list[ProblemDetail] = []
    for check in report.checks:
        if check.result == "passed":
            continue
        problem = problem_for(check)
        warning = check.result == "could not check" and check.name in _WARNING_WHEN_UNCHECKED
        (warnings if warning else problems).append(problem)
    malformed = any(c.name == FORMAT and c.result == "failed" for c in report.checks)
    body = CredentialVerification(verified=not problems, problem_details=problems, warnings=warnings)
    return Verification(body, malformed=malformed and bool(problems))


def problem_for(check: Check) -> ProblemDetail:
    """The check's own W3C problem type when it names one (e.g. DATA_LOSS_DETECTION_ERROR), else its kind's."""
    if check.problem_type is not None:
        type_url, title = check.problem_type, problem_types.w3c_title(check.problem_type)
    else:
        type_url, title = PROBLEM_TYPES[check.name]
    return ProblemDetail(type=type_url, title=title, detail=f"{check.name}: {check.detail}")


def parsing_error(path: str, value: object) -> ProblemDetail:
    """VC Data Model 2.0 §4.13: a credential must be an object (or an EnvelopedVerifiableCredential object), never
    a string, number or URL; a string is not parsed, even when it holds JSON."""
    kind = "a string" if isinstance(value, str) else f"a JSON {type(value).__name__}"
    return ProblemDetail(
        type=problem_types.PARSING_ERROR,
        title=problem_types.w3c_title(problem_types.PARSING_ERROR),
        detail=f"{path} is {kind}; send the credential as a JSON object (a JWT as an EnvelopedVerifiableCredential)",
    )


async def verify_credential(
    conn: Connection, value: object, *, settings: Settings, now: datetime
) -> Verification[CredentialVerification]:
    if not isinstance(value, dict):
        problem = parsing_error("verifiableCredential", value)
        return Verification(CredentialVerification(verified=False, problem_details=[problem], warnings=[]), True)
    report = await verify_credential_value(conn, value, settings=settings, now=now)
    return vc_api_outcome(report)


# PLR0913: connection, settings, key, clock and the use-case's own inputs are passed one by one until issue 9's
# one service context carries the shared ones
async def verify_presentation(  # noqa: PLR0913
    conn: Connection,
    presentation: dict[str, Any],
    *,
    challenge: str | None,
    domain: str | None,
    require_proof: bool,
    settings: Settings,
    now: datetime,
) -> Verification[PresentationVerification]:
    """Verify the presentation's proof (proofPurpose authentication, challenge, domain, holder), then every
    credential inside it; a credential's failures are reported as `verifiableCredential[i]: ...` problems."""
    keyring = await load_keyring(conn, settings)
    outcome = await asyncio.to_thread(
        check_presentation_sync, presentation, keyring, challenge=challenge, domain=domain, require_proof=require_proof
    )
    problems = [ProblemDetail(type=t, title=title, detail=d) for t, title, d in outcome.problems]
    malformed = outcome.malformed
    for index, credential in enumerate(outcome.credentials):
        if not isinstance(credential, dict):
            problems.append(parsing_error(f"verifiableCredential[{index}]", credential))
            malformed = True
            continue
        report = await verify_credential_value(conn, credential, settings=settings, now=now, keyring=keyring)
        inner = vc_api_outcome(report)
        malformed = malformed or inner.malformed
        for problem in inner.body.problem_details:
            problems.append(
                ProblemDetail(
                    type=problem.type, title=problem.title, detail=f"verifiableCredential[{index}]: {problem.detail}"
                )
            )
    body = PresentationVerification(verified=not problems, problem_details=problems, results=outcome.results)
    return Verification(body, malformed=malformed)
