"""Pure helpers behind the pages: finding a credential id in typed text, dates, LinkedIn links, status words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from verify_api.domain.dates import long_date
from verify_api.schemas import Check, CredentialView, IssuerView, SubjectView
from verify_api.services.pages import credential_id_in, linkedin_url, status_text
from verify_api.settings import load_settings

CID = "abcdefghijklmnopqrstuvwxyq"


def view(**overrides: object) -> CredentialView:
    fields: dict[str, object] = {
        "id": CID,
        "url": f"https://v.example/v1/credentials/{CID}",
        "tier": "AIDA",
        "title": "AIDA: PSF Foundations",
        "status": "active",
        "status_reason": None,
        "subject": SubjectView(name="Ada", kind="person"),
        "issuer": IssuerView(id="did:web:v.example", name="Production AI Institute"),
        "valid_from": datetime(2026, 3, 1, tzinfo=UTC),
        "valid_until": datetime(2028, 2, 29, tzinfo=UTC),
        "verification_code": "PAI-7K3M-9QXD-4",
        "verified": True,
        "checks": [Check(name="proof", result="passed", detail="ok")],
    } | overrides
    return CredentialView(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        (CID, CID),
        (f"  {CID.upper()} ", CID),
        (f"https://v.example/c/{CID}", CID),
        (f"https://v.example/v1/credentials/{CID}/badge.png?download=1", CID),
        ("PAI-7K3M-9QXD-4", None),
        ("https://v.example/c/short", None),
    ],
)
def test_page_helper_finds_the_credential_id_in_typed_text(typed: str, found: str | None) -> None:
    assert credential_id_in(typed) == found


def test_page_helper_long_date_is_locale_independent() -> None:
    assert long_date(datetime(2026, 11, 7, tzinfo=UTC)) == "7 November 2026"


def test_page_helper_linkedin_link_only_for_a_valid_personal_credential() -> None:
    settings = load_settings({}, linkedin_organization_id="42")
    url = linkedin_url(view(), settings=settings, url=f"https://v.example/c/{CID}")
    assert url == (
        "https://www.linkedin.com/profile/add?startTask=CERTIFICATION_NAME&name=AIDA%3A+PSF+Foundations"
        "&organizationId=42&issueYear=2026&issueMonth=3&expirationYear=2028&expirationMonth=2"
        f"&certUrl=https%3A%2F%2Fv.example%2Fc%2F{CID}&certId=PAI-7K3M-9QXD-4"
    )
    assert linkedin_url(view(status="revoked"), settings=settings, url="u") is None
    assert linkedin_url(view(verified=False), settings=settings, url="u") is None
    organisation = view(subject=SubjectView(name="Acme", kind="organization"))
    assert linkedin_url(organisation, settings=settings, url="u") is None


@pytest.mark.parametrize(
    ("overrides", "word"),
    [
        ({}, "Valid"),
        ({"verified": False, "checks": [Check(name="proof", result="failed", detail="x")]}, "Not verified"),
        ({"status": "expired"}, "Expired"),
        ({"status": "suspended", "status_reason": "holder_request"}, "Suspended"),
        ({"status": "revoked"}, "Revoked"),
        ({"status": "superseded"}, "Superseded"),
    ],
)
def test_page_helper_status_is_a_word_not_a_colour(overrides: dict[str, object], word: str) -> None:
    text = status_text(view(**overrides))
    assert text.word == word
    if "status_reason" in overrides:
        assert "(at the holder's request)" in text.sentence
        assert "holder_request" not in text.sentence


def test_page_helper_some_reasons_say_only_by_the_pai() -> None:
    for code in ("under_investigation", "misconduct", "administrative"):
        sentence = status_text(view(status="suspended", status_reason=code)).sentence
        assert sentence == "The PAI suspended this credential. It is not valid now."
