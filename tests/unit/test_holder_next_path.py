"""`next=` of the holders' sign-in (services.holder_sign_in.same_origin_path): a path on this site, or nothing, so
the sign-in can never be used to send a holder to another origin."""

from __future__ import annotations

import pytest

from verify_api.services.holder_sign_in import MAX_NEXT_CHARS, same_origin_path

KEPT = [
    "/me",
    "/me?saved=privacy",
    "/me#credential-abc",
    "/ims/ob/v3p0/authorize?response_type=code&client_id=x&redirect_uri=https%3A%2F%2Fwallet.example%2Fcb&state=s",
    "/" + "a" * (MAX_NEXT_CHARS - 1),
]
REFUSED = [
    None,
    "",
    "me",  # relative: resolved against whatever page the browser is on
    "https://evil.example/me",
    "javascript:alert(1)",
    "//evil.example/me",  # scheme-relative: another host
    "/\\evil.example",  # the URL Standard reads a backslash as a slash in http(s) URLs
    "/\t/evil.example",  # tabs and newlines are stripped before parsing: "//evil.example"
    "/\n/evil.example",
    " /me",
    "/me\r\nSet-Cookie: x=1",  # no header injection
    "/m\u00e9",  # not ASCII: browsers and the Location header disagree on it
    "/\x00",
    "/" + "a" * MAX_NEXT_CHARS,
]


@pytest.mark.parametrize("value", KEPT)
def test_same_origin_path_keeps_a_path_on_this_site(value: str) -> None:
    assert same_origin_path(value) == value


@pytest.mark.parametrize("value", REFUSED)
def test_same_origin_path_refuses_anything_that_could_leave_the_site(value: str | None) -> None:
    assert same_origin_path(value) is None
