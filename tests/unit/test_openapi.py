from __future__ import annotations

from pathlib import Path

from verify_api.cli.openapi_document import openapi_json

CHECKED_IN = Path(__file__).resolve().parents[2] / "openapi" / "openapi.json"


def test_checked_in_openapi_matches_the_app() -> None:
    assert CHECKED_IN.read_text(encoding="utf-8") == openapi_json(), "run `make openapi` and commit the result"


def test_openapi_names_every_operation() -> None:
    text = openapi_json()
    for operation in ("IssueCredential", "GetCredential", "LookupByCode", "SearchRegistry", "GetDidDocument"):
        assert f'"operationId": "{operation}"' in text
