"""The pure rules of the Open Badges API authorization server, by known answers: the PKCE S256 transform (RFC 7636
Appendix B), redirection URI matching (RFC 6749 §3.1.2.3, RFC 8252 §7.3) and the OB 3.0 paging links."""

from __future__ import annotations

import pytest

from verify_api.errors import OAuthError
from verify_api.services.oauth_clients import check_url, registered_scope
from verify_api.services.oauth_grants import redirect_uri_matches, s256_challenge
from verify_api.services.ob_api import page_links


def test_s256_challenge_is_rfc7636_appendix_b() -> None:
    assert (
        s256_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


@pytest.mark.parametrize(
    ("registered", "presented", "matches"),
    [
        (["https://w.example/cb"], "https://w.example/cb", True),
        (["https://w.example/cb"], "https://w.example/cb/", False),
        (["https://w.example/cb"], "https://w.example/cb?x=1", False),
        (["https://w.example/cb"], "https://W.example/cb", False),  # simple string comparison
        (["http://127.0.0.1/cb"], "http://127.0.0.1:49152/cb", True),  # any port on loopback
        (["http://127.0.0.1:8000/cb"], "http://127.0.0.1:49152/cb", True),
        (["http://[::1]/cb"], "http://[::1]:49152/cb", True),
        (["http://127.0.0.1/cb"], "http://127.0.0.1:49152/other", False),
        (["http://127.0.0.1/cb"], "http://[::1]:49152/cb", False),
        (["https://127.0.0.1/cb"], "https://127.0.0.1:49152/cb", False),  # the port allowance is for http loopback
    ],
)
def test_redirect_uri_matching(registered: list[str], presented: str, matches: bool) -> None:
    assert redirect_uri_matches(registered, presented) is matches


def test_redirect_uri_must_be_https_or_loopback_http() -> None:
    assert check_url("http://127.0.0.1:8123/cb", "redirect_uris[]", redirect=True)
    for uri, error in (
        ("http://wallet.example/cb", "invalid_redirect_uri"),
        ("http://localhost/cb", "invalid_redirect_uri"),
        ("https://wallet.example/cb#x", "invalid_redirect_uri"),
        ("com.example.wallet:/cb", "invalid_redirect_uri"),
        ("https://[::1/cb", "invalid_redirect_uri"),
    ):
        with pytest.raises(OAuthError, match=r"redirect_uris") as raised:
            check_url(uri, "redirect_uris[]", redirect=True)
        assert raised.value.error == error


def test_registered_scope_keeps_ob_scopes_and_offline_access() -> None:
    ob = "https://purl.imsglobal.org/spec/ob/v3p0/scope/credential.readonly"
    assert registered_scope(f"openid {ob} offline_access {ob}") == f"{ob} offline_access"
    with pytest.raises(OAuthError, match="none of the Open Badges API scopes"):
        registered_scope("openid offline_access")


def test_page_links_follow_ob_paging() -> None:
    base = "https://v.example/ims/ob/v3p0/credentials"
    assert page_links(base, limit=2, offset=2, total=5) == {
        "first": f"{base}?limit=2&offset=0",
        "last": f"{base}?limit=2&offset=4",
        "next": f"{base}?limit=2&offset=4",
        "prev": f"{base}?limit=2&offset=0",
    }
    assert page_links(base, limit=2, offset=0, total=0) == {
        "first": f"{base}?limit=2&offset=0",
        "last": f"{base}?limit=2&offset=0",
    }
