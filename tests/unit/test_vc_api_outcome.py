"""The VC API view of a verification report: which failures are problems, their types, and 400 versus 422 decided
from the failed check's kind and `problem_type`, never from problem titles."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.keys import did_key_for, did_key_verification_method, generate_signer
from verify_api.services.vc_api_verification import vc_api_outcome
from verify_api.verification.assessment import build_report, unreadable_report
from verify_api.verification.document import read_credential_shape
from verify_api.verification.keyring import KeyRing
from verify_api.verification.presented import decode_presented
from verify_api.verification.securing import check_securing_sync

if TYPE_CHECKING:
    from verify_api.verification.report import VerificationReport

PAI_DID = "did:web:verify.test.example"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
DATA_LOSS = "https://w3id.org/security#DATA_LOSS_DETECTION_ERROR"


def report_of(document: dict[str, object]) -> VerificationReport:
    presented = decode_presented(json.dumps(document).encode(), "application/json")
    assert presented.document is not None
    securing = check_securing_sync(presented, KeyRing(PAI_DID, []), now=NOW)
    shape = read_credential_shape(presented.document)
    return build_report(presented, shape, securing, pai_did=PAI_DID, now=NOW, register=None)


def signed(issuer: str | None, *, under_url: bool = False, **members: object) -> dict[str, object]:
    """Signed with a fresh key: as its own did:key, or (`under_url`) as a Multikey fragment of the issuer URL."""
    signer = generate_signer()
    method = f"{issuer}#{signer.public_key_multibase}" if under_url else did_key_verification_method(signer.public_key)
    unsigned = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did_key_for(signer.public_key) if issuer is None else issuer,
        "credentialSubject": {"id": "did:example:holder"},
        **members,
    }
    return add_proof(
        unsigned,
        signer,
        cryptosuite="eddsa-jcs-2022",
        verification_method=method,
        created="2026-01-01T00:00:00Z",
    )


def test_vc_api_outcome_uses_the_checks_own_problem_type_and_is_malformed() -> None:
    presented = decode_presented(b'{"@context": []}', "application/json")
    report = unreadable_report(presented, "the term 'alumniOf' is not defined", problem_type=DATA_LOSS)
    outcome = vc_api_outcome(report)
    assert outcome.malformed is True
    assert outcome.body.verified is False
    first = outcome.body.problem_details[0]
    assert (first.type, first.title) == (DATA_LOSS, "DATA_LOSS_DETECTION_ERROR")


def test_vc_api_outcome_failed_proof_is_not_malformed() -> None:
    document = signed(None)
    document["credentialSubject"] = {"id": "did:example:mallory"}
    outcome = vc_api_outcome(report_of(document))
    assert outcome.malformed is False
    assert outcome.body.problem_details[0].title == "PROOF_VERIFICATION_ERROR"


def test_vc_api_outcome_unproven_issuer_and_foreign_status_are_warnings() -> None:
    status = {"type": "BitstringStatusListEntry", "statusListCredential": "https://issuer.example/status/1"}
    ok = vc_api_outcome(report_of(signed(None, credentialStatus=status)))
    assert ok.body.verified is True
    assert [w.detail.split(":")[0] for w in ok.body.warnings] == ["status"]
    report = report_of(signed("https://issuer.example/keys", under_url=True))
    assert [c.result for c in report.checks if c.name in ("proof", "issuer")] == ["passed", "could not check"]
    outcome = vc_api_outcome(report)
    assert outcome.body.verified is True
    assert outcome.malformed is False
    assert [(w.title, w.detail.split(":")[0]) for w in outcome.body.warnings] == [
        ("CRYPTOGRAPHIC_SECURITY_ERROR", "issuer")
    ]
