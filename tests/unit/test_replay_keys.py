"""Which requests the replay layer answers (api.replayed_lookups.replay_key): a plain lookup by code is one whatever
its check symbol, `=` included (the value is everything after the first `=`, as Litestar reads it)."""

from __future__ import annotations

from verify_api.api.replayed_lookups import replay_key
from verify_api.domain.codes import CROCKFORD_ALPHABET, format_verification_code, normalize_verification_code


def lookup_scope(query: bytes) -> dict[str, object]:
    return {"method": "GET", "path": "/v1/lookup", "query_string": query, "headers": []}


def test_every_check_symbol_is_replayable_and_keyed_as_the_route_keys_it() -> None:
    symbols: dict[str, str] = {}
    for n in range(2000):
        code = format_verification_code("".join(CROCKFORD_ALPHABET[(n >> (5 * (7 - i))) & 31] for i in range(8)))
        symbols.setdefault(code[-1], code)
    assert "=" in symbols  # the check symbols are the 37 of Crockford's base32 (section "Check")
    for code in symbols.values():
        assert replay_key(lookup_scope(b"code=" + code.encode())) == "code:" + normalize_verification_code(code)


def test_anything_else_is_left_to_the_route() -> None:
    code = format_verification_code("00000000")
    for query in (b"code=" + code.encode() + b"&x=1", b"code=PAI%2D0000", b"x=" + code.encode(), b""):
        assert replay_key(lookup_scope(query)) is None
