"""Which media type to answer a verifiable credential with, from the request's Accept (RFC 9110 §12.5.1).

VC Data Model 2.0 §6.3 registers `application/vc` for a credential secured with an embedded proof; it is a JSON-LD
document, so `application/ld+json` and `application/json` describe the same bytes. Clients that name only the
generic JSON types (the JSON-LD document loaders of the W3C test suites send `application/ld+json,
application/json`, and parse a body only when its Content-Type says JSON) get that type back; everyone else,
including a request without Accept or with `*/*`, gets `application/vc`.
"""

from __future__ import annotations

VC_MEDIA_TYPE = "application/vc"
_OFFERED = (VC_MEDIA_TYPE, "application/ld+json", "application/json")
_MAX_RANGES = 32


def negotiate_credential_media_type(accept: str | None) -> str:
    """The offered type the client prefers most (highest q; on a tie, the order of `_OFFERED`)."""
    if not accept:
        return VC_MEDIA_TYPE
    best, best_q = VC_MEDIA_TYPE, -1.0
    for index, offered in enumerate(_OFFERED):
        q = _quality(accept, offered)
        if q > best_q or (q == best_q and index == 0):
            best, best_q = offered, q
    return best if best_q > 0 else VC_MEDIA_TYPE


def _quality(accept: str, offered: str) -> float:
    """The q of the most specific media range in `accept` that matches `offered` (0 when none does)."""
    kind = offered.split("/", 1)[0]
    found: tuple[int, float] = (-1, 0.0)  # (specificity, q)
    for part in accept.split(",")[:_MAX_RANGES]:
        media_range, *params = (p.strip() for p in part.split(";"))
        media_range = media_range.lower()
        specificity = {offered: 2, f"{kind}/*": 1, "*/*": 0}.get(media_range)
        if specificity is None or specificity < found[0]:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        found = (specificity, q)
    return found[1]
