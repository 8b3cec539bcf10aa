"""PUBLIC_BASE_URL follows HOST and PORT unless set; a set one naming another local port is a loud warning."""

from __future__ import annotations

import pytest

from verify_api.cli.server import public_port_mismatch
from verify_api.settings import load_settings


@pytest.mark.parametrize(
    ("environ", "origin"),
    [
        ({}, "http://127.0.0.1:8000"),
        ({"PORT": "9123"}, "http://127.0.0.1:9123"),
        ({"HOST": "0.0.0.0", "PORT": "9123"}, "http://127.0.0.1:9123"),
        ({"HOST": "::1", "PORT": "9123"}, "http://[::1]:9123"),
        ({"HOST": "verify.local", "PORT": "8443"}, "http://verify.local:8443"),
        ({"PORT": "9123", "PUBLIC_BASE_URL": "https://verify.example.org"}, "https://verify.example.org"),
    ],
)
def test_public_base_url_defaults_to_the_serving_origin(environ: dict[str, str], origin: str) -> None:
    assert load_settings(environ).base_url == origin


def test_public_base_url_override_wins_over_port_default() -> None:
    assert load_settings({"PORT": "9123"}, public_base_url="https://v.example").base_url == "https://v.example"


@pytest.mark.parametrize(
    ("environ", "warned"),
    [
        ({"PORT": "9123"}, False),  # derived: always agrees
        ({"PORT": "9123", "PUBLIC_BASE_URL": "http://127.0.0.1:8000"}, True),
        ({"PORT": "9123", "PUBLIC_BASE_URL": "http://localhost:8000/verify"}, True),
        ({"PORT": "80", "PUBLIC_BASE_URL": "http://127.0.0.1"}, False),  # the scheme's port
        ({"PORT": "9123", "PUBLIC_BASE_URL": "http://[::1]:9124"}, True),
        ({"PORT": "9123", "PUBLIC_BASE_URL": "https://verify.example.org"}, False),  # behind a proxy
        ({"PORT": "9123", "PUBLIC_BASE_URL": "http://10.0.0.5:8000"}, False),  # not this machine's loopback
    ],
)
def test_public_port_mismatch_on_a_loopback_host(environ: dict[str, str], warned: bool) -> None:
    warning = public_port_mismatch(load_settings(environ))
    assert (warning is not None) == warned
    if warning is not None:
        assert "serve listens on 9123" in warning
        assert "Unset PUBLIC_BASE_URL" in warning
