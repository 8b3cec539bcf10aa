"""Who is asking: the client address of an ASGI request, through the proxies the operator trusts (TRUSTED_PROXIES).

When the socket peer is not a trusted proxy it is the client, and forwarding headers are ignored (anyone can send
them). When it is, the client is the right-most address of the forwarding chain (TRUSTED_PROXY_HEADER:
`X-Forwarded-For`, or RFC 7239 `Forwarded` `for=`) that is not itself a trusted proxy: each trusted proxy appends the
address it received the request from, so the addresses right of the first untrusted one are ours and those left of
it are the client's word. Rate limiting and the access log both ask `client_address`.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING, Any

from verify_api.settings import trusted_networks

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from verify_api.settings import IPNetwork, Settings

UNKNOWN_PEER = "unknown"


def client_address(scope: Mapping[str, Any], settings: Settings) -> str:
    """The client's address for this request (an IP address in its normal form when it is one)."""
    client = scope.get("client")
    peer = str(client[0]) if client else UNKNOWN_PEER  # servers give the peer in its normal form
    if not settings.trusted_proxies:
        return peer
    trusted = trusted_networks(settings.trusted_proxies)
    if not _is_trusted(peer, trusted):
        return peer
    header = settings.trusted_proxy_header.encode()
    values = [value.decode("latin-1") for name, value in scope.get("headers", ()) if name.lower() == header]
    if settings.trusted_proxy_header == "forwarded":
        chain = forwarded_for_values(values)
    else:
        chain = [part.strip() for value in values for part in value.split(",") if part.strip()]
    return rightmost_untrusted([*(_normal(hop) for hop in chain), peer], trusted)


def rightmost_untrusted(chain: list[str], trusted: tuple[IPNetwork, ...]) -> str:
    """The first hop from the right that is not a trusted proxy; the left-most hop when every one is trusted."""
    for hop in reversed(chain):
        if not _is_trusted(hop, trusted):
            return hop
    return chain[0]


def forwarded_for_values(values: Iterable[str]) -> list[str]:
    """The `for=` node of every forwarded-element, in order (RFC 7239 section 4; node syntax section 6).

    Ports and the brackets of IPv6 nodes are dropped; obfuscated identifiers and "unknown" are kept as they are (they
    are not trusted, so such a hop is the client as far as our proxies know)."""
    nodes: list[str] = []
    for value in values:
        for element in value.split(","):
            for pair in element.split(";"):
                name, _, node = pair.strip().partition("=")
                if name.strip().lower() == "for" and node:
                    nodes.append(_node_address(node.strip().strip('"')))
    return nodes


def _node_address(node: str) -> str:
    if node.startswith("["):  # "[2001:db8::1]:4711"
        return node[1:].partition("]")[0]
    host, _, _port = node.partition(":") if node.count(":") == 1 else (node, "", "")
    return host


def _normal(address: str) -> str:
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


@functools.lru_cache(maxsize=4096)
def _is_trusted(address: str, trusted: tuple[IPNetwork, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in trusted)
