from __future__ import annotations

import pytest

from verify_api.domain.credential import did_web_for


@pytest.mark.parametrize(
    ("base", "did"),
    [
        ("https://verify.example.org", "did:web:verify.example.org"),
        ("http://127.0.0.1:8000", "did:web:127.0.0.1%3A8000"),
        ("https://example.org/pai/verify", "did:web:example.org:pai:verify"),
    ],
)
def test_did_web_follows_the_method_spec(base: str, did: str) -> None:
    assert did_web_for(base) == did
