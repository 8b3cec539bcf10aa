"""What POST /credentials/issue refuses as a claim of a PAI certification, and what it lets through."""

from __future__ import annotations

from typing import Any

import pytest

from verify_api.domain.tier_claims import pai_tier_claims

BASE = "https://verify.test.example"


def credential(**members: Any) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": {"id": "did:web:verify.test.example", "name": "Production AI Institute"},
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
        **members,
    }


@pytest.mark.parametrize(
    ("members", "names"),
    [
        ({"type": ["VerifiableCredential", "OpenBadgeCredential"]}, "Open Badges"),
        ({"type": ["VerifiableCredential", "AchievementCredential"]}, "Open Badges"),
        ({"type": ["VerifiableCredential", "AIDACredential"]}, "names a PAI tier"),
        ({"type": ["VerifiableCredential", "CpaaBadge"]}, "names a PAI tier"),
        ({"credentialSubject": {"id": "did:example:a", "holds": "CPAP"}}, "PAI tier CPAP"),
        ({"credentialSubject": {"id": "did:example:a", "CAI": True}}, "PAI tier CAI"),
        ({"credentialSubject": {"id": "did:example:a", "award": "production architect"}}, "certification"),
        ({"credentialSubject": {"achievement": {"id": "urn:x"}}}, "achievement"),
        ({"credentialSubject": {"id": "did:example:a", "see": f"{BASE}/v1/achievements/cae"}}, "PAI achievement"),
        ({"id": f"{BASE}/v1/credentials/abc"}, "namespace"),
    ],
)
def test_claims_of_a_pai_tier_are_found(members: dict[str, Any], names: str) -> None:
    findings = pai_tier_claims(credential(**members), base_url=BASE)
    assert findings
    assert any(names in f for f in findings), findings


@pytest.mark.parametrize(
    "members",
    [
        {},
        {"credentialSubject": {"id": "did:example:a", "familyName": "Cai", "givenName": "Aida"}},
        {"type": ["VerifiableCredential", "CairnCredential"]},
        {"name": "Safety in production"},
        {"id": "urn:uuid:7d0c6f2a-1b1e-4a4e-9b55-4b0c9d2b3f10"},
    ],
)
def test_ordinary_credentials_claim_nothing(members: dict[str, Any]) -> None:
    assert pai_tier_claims(credential(**members), base_url=BASE) == []
