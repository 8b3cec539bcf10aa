"""The client address through trusted proxies (TRUSTED_PROXIES): spoofed forwarding headers count only when a trusted
proxy passed them on, and then only the hops right of the first untrusted one are taken on trust."""

from __future__ import annotations

from typing import Any

import pytest

from verify_api.client_address import client_address, forwarded_for_values
from verify_api.settings import SettingsError, load_settings


def scope_from(peer: str, *headers: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "http",
        "client": (peer, 40000),
        "headers": [(name.lower().encode(), value.encode()) for name, value in headers],
    }


def test_client_address_ignores_spoofed_headers_from_an_untrusted_peer() -> None:
    spoofed = scope_from("203.0.113.7", ("X-Forwarded-For", "198.51.100.1"), ("Forwarded", "for=198.51.100.2"))
    assert client_address(spoofed, load_settings({})) == "203.0.113.7"  # the default trusts nobody
    behind = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8"})
    assert client_address(spoofed, behind) == "203.0.113.7"  # a peer outside the trusted networks
    forwarded = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8", "TRUSTED_PROXY_HEADER": "forwarded"})
    assert client_address(spoofed, forwarded) == "203.0.113.7"


def test_client_address_takes_the_rightmost_untrusted_hop_from_a_trusted_proxy() -> None:
    settings = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.10/32"})
    proxied = scope_from("10.1.2.3", ("X-Forwarded-For", "198.51.100.9"))
    assert client_address(proxied, settings) == "198.51.100.9"
    # The client wrote "6.6.6.6" itself; our proxies appended what they saw (the client, then the outer proxy).
    spoofed = scope_from("10.1.2.3", ("X-Forwarded-For", "6.6.6.6, 198.51.100.9"), ("X-Forwarded-For", "192.0.2.10"))
    assert client_address(spoofed, settings) == "198.51.100.9"
    # The other header is not the one the proxy sets, so it is not read.
    assert client_address(scope_from("10.1.2.3", ("Forwarded", "for=6.6.6.6")), settings) == "10.1.2.3"
    # Every hop trusted: the left-most is the best we know.
    assert client_address(scope_from("10.1.2.3", ("X-Forwarded-For", "10.9.9.9")), settings) == "10.9.9.9"


def test_client_address_reads_rfc7239_forwarded_nodes() -> None:
    settings = load_settings({"TRUSTED_PROXIES": "10.0.0.0/8,2001:db8::/32", "TRUSTED_PROXY_HEADER": "forwarded"})
    header = 'for=6.6.6.6, for="[2001:DB8:cafe::17]:4711";proto=https, for=198.51.100.4:80;by=10.0.0.1'
    assert forwarded_for_values([header]) == ["6.6.6.6", "2001:DB8:cafe::17", "198.51.100.4"]
    assert client_address(scope_from("2001:db8::1", ("Forwarded", header)), settings) == "198.51.100.4"
    ipv6_client = 'for="[2001:0db9::0001]"'
    assert client_address(scope_from("10.0.0.2", ("Forwarded", ipv6_client)), settings) == "2001:db9::1"
    hidden = "for=_gazonk"
    assert client_address(scope_from("10.0.0.2", ("Forwarded", hidden)), settings) == "_gazonk"


def test_trusted_proxies_must_be_cidrs() -> None:
    with pytest.raises(SettingsError, match="TRUSTED_PROXIES must be a comma-separated list of CIDRs"):
        load_settings({"TRUSTED_PROXIES": "10.0.0.0/8, proxy.internal"})
