"""Example values the OpenAPI document shows (api.routes `body_examples=` / `response_examples=`), for the bodies too
long to write inline in a route's declaration, and the ids they name.

Each id an example names is one of the EXAMPLE_* constants below, so tests/integration/test_openapi_examples.py can
post every request example to the real app with a real holder, organisation or credential in its place. The
answers are built as the wire structs they document, so a renamed or removed member fails at import.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Final
from uuid import UUID

from verify_api.problem_types import PROOF_VERIFICATION_ERROR
from verify_api.schemas import Check, CredentialView, IssuerView, SubjectView
from verify_api.services.vc_api_verification import CredentialVerification, ProblemDetail
from verify_api.verification.register_facts import RegisterEntry
from verify_api.verification.report import IssuerSummary, VerificationReport

EXAMPLE_HOLDER_ID: Final = UUID("5f0c2a4e-8d1b-4e7a-9c3f-2b6d8e1a4c70")
EXAMPLE_ORGANIZATION_ID: Final = UUID("a3e9b1c2-7f4d-4b8e-8a6c-1d2e3f4a5b6c")
EXAMPLE_CREDENTIAL_ID: Final = "k7m3q9xd4pzr2vbn6t5wyhcjfa"
EXAMPLE_VERIFICATION_CODE: Final = "PAI-7K3M-9QXD-4"
EXAMPLE_ORIGIN: Final = "https://verify.productionai.institute"
EXAMPLE_ISSUER_DID: Final = "did:web:verify.productionai.institute"

_ISSUED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
_UNTIL = datetime(2028, 3, 2, 9, 30, tzinfo=UTC)
_URL = f"{EXAMPLE_ORIGIN}/v1/credentials/{EXAMPLE_CREDENTIAL_ID}"


def vc_api_credential(**members: Any) -> dict[str, Any]:
    """An unsigned VC 2.0 credential for POST /credentials/issue: issued under this service's DID."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": EXAMPLE_ISSUER_DID,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "alumniOf": "The School of Examples"},
        **members,
    }


def signed_credential() -> dict[str, Any]:
    """A PAI credential as a holder presents it (abridged: the proof value here does not verify)."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        "id": _URL,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": EXAMPLE_ISSUER_DID, "type": ["Profile"], "name": "Production AI Institute"},
        "validFrom": "2026-03-02T09:30:00Z",
        "validUntil": "2028-03-02T09:30:00Z",
        "name": "AI Deployment Associate (AIDA)",
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "name": "Ada Lovelace",
            "achievement": {
                "id": f"{EXAMPLE_ORIGIN}/v1/achievements/AIDA",
                "type": ["Achievement"],
                "name": "AI Deployment Associate (AIDA)",
                "description": "Passed the PAI AIDA examination.",
                "criteria": {"narrative": "Pass the AIDA examination with at least 70%."},
            },
        },
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2026-03-02T09:30:00Z",
            "verificationMethod": f"{EXAMPLE_ISSUER_DID}#key-1",
            "proofPurpose": "assertionMethod",
            "proofValue": "z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22gkfUKods5D2UAUL5n2Brbx",
        },
    }


def signed_presentation() -> dict[str, Any]:
    """A presentation wrapping that credential, with the proof a verifier asks for (challenge and domain)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
        "verifiableCredential": [signed_credential()],
        "proof": {
            "type": "DataIntegrityProof",
            "cryptosuite": "eddsa-jcs-2022",
            "created": "2026-11-27T09:00:00Z",
            "verificationMethod": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
            "#z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "proofPurpose": "authentication",
            "challenge": "1f44d55f-f161-4938-a659-f8026467f126",
            "domain": "hiring.example.com",
            "proofValue": "z5BxQ3S6ZnXjS4YtBwJjH1aCvV9oA2mR7kLpQ8dE3fG4hJ6kL9mN2pQ5rS8tU1vW4xY7zA3bC6dE9fG2hJ5kL8mN",
        },
    }


def unsigned_presentation() -> dict[str, Any]:
    """A presentation for POST /presentations/prove: unsecured, no holder (the API client's holder key is set)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [signed_credential()],
    }


_CHECKS = [
    Check(name="format", result="passed", detail="a W3C VC 2.0 / Open Badges 3.0 credential"),
    Check(name="proof", result="passed", detail="eddsa-rdfc-2022 signature by did:web:verify.productionai.institute"),
    Check(name="issuer", result="passed", detail="issued by the Production AI Institute"),
    Check(name="valid from", result="passed", detail="valid since 2026-03-02T09:30:00+00:00"),
    Check(name="valid until", result="passed", detail="valid until 2028-03-02T09:30:00+00:00"),
    Check(name="status", result="passed", detail="active in the register"),
]

CREDENTIAL_ANSWER: Final = CredentialView(
    id=EXAMPLE_CREDENTIAL_ID,
    url=_URL,
    tier="AIDA",
    title="AI Deployment Associate (AIDA)",
    status="active",
    status_reason=None,
    subject=SubjectView(name="Ada Lovelace", kind="person"),
    issuer=IssuerView(id=EXAMPLE_ISSUER_DID, name="Production AI Institute"),
    valid_from=_ISSUED,
    valid_until=_UNTIL,
    verification_code=EXAMPLE_VERIFICATION_CODE,
    verified=True,
    checks=_CHECKS,
)

SUSPENDED_ANSWER: Final = CredentialView(
    id=EXAMPLE_CREDENTIAL_ID,
    url=_URL,
    tier="AIDA",
    title="AI Deployment Associate (AIDA)",
    status="suspended",
    status_reason="under_investigation",
    subject=SubjectView(name="Ada Lovelace", kind="person"),
    issuer=IssuerView(id=EXAMPLE_ISSUER_DID, name="Production AI Institute"),
    valid_from=_ISSUED,
    valid_until=_UNTIL,
    verification_code=EXAMPLE_VERIFICATION_CODE,
    verified=False,
    checks=[
        *_CHECKS[:-1],
        Check(name="status", result="failed", detail="suspended since 2026-11-20T14:00:00+00:00 (under_investigation)"),
    ],
)

_REGISTER_ENTRY = RegisterEntry(
    credential_id=EXAMPLE_CREDENTIAL_ID,
    subject_name="Ada Lovelace",
    subject_kind="person",
    tier="AIDA",
    tier_title="AI Deployment Associate",
    tier_meaning="passed the PAI's examination on deploying AI in production",
    valid_from=_ISSUED,
    valid_until=_UNTIL,
    state="valid",
    verification_code=EXAMPLE_VERIFICATION_CODE,
)

VALID_REPORT: Final = VerificationReport(
    verified=True,
    summary="A genuine credential of the Production AI Institute, valid now.",
    issuer=IssuerSummary(id=EXAMPLE_ISSUER_DID, name="Production AI Institute", classification="pai"),
    presented_as="JSON credential, Data Integrity eddsa-rdfc-2022",
    credential_id=_URL,
    pai_credential_id=EXAMPLE_CREDENTIAL_ID,
    tier="AIDA",
    checks=_CHECKS,
    verdict="valid",
    register_entry=_REGISTER_ENTRY,
)

TAMPERED_REPORT: Final = VerificationReport(
    verified=False,
    summary="Cannot be verified: proof: the signature does not match the document.",
    issuer=IssuerSummary(id=EXAMPLE_ISSUER_DID, name="Production AI Institute", classification="pai"),
    presented_as="PNG badge, Data Integrity eddsa-rdfc-2022",
    credential_id=_URL,
    pai_credential_id=EXAMPLE_CREDENTIAL_ID,
    tier="AIDA",
    checks=[
        _CHECKS[0],
        Check(
            name="proof",
            result="failed",
            detail="the signature does not match the document",
            problem_type=PROOF_VERIFICATION_ERROR,
        ),
    ],
    verdict="not_verifiable",
)

VC_API_VERIFIED: Final = CredentialVerification(verified=True, problem_details=[], warnings=[])
VC_API_NOT_VERIFIED: Final = CredentialVerification(
    verified=False,
    problem_details=[
        ProblemDetail(
            type=PROOF_VERIFICATION_ERROR,
            title="PROOF_VERIFICATION_ERROR",
            detail="the signature does not match the document",
        )
    ],
    warnings=[],
)
