"""Strict JSON (I-JSON, RFC 7493): one meaning per document, refusals that name the path, linear cost."""

from __future__ import annotations

import json
import time

import msgspec
import pytest

from verify_api.errors import MalformedJsonError
from verify_api.strict_json import MAX_DEPTH, parse_strict_json

REFUSED = [
    # (body, words the detail must contain)
    (b'{"id": "urn:forged", "id": "urn:real"}', ["duplicate member 'id'", "in $"]),
    (b'{"a": {"b": [{"c": 1, "c": 1}]}}', ["duplicate member 'c'", "$.a.b[0]"]),
    (b'{"name": "\\ud800"}', ["lone surrogate", "$.name"]),
    (b'["ok", "\\udc00\\ud83d"]', ["lone surrogate", "$[1]"]),
    (b'{"\\ud800": 1}', ["lone surrogate", "member name"]),
    (b'{"displayName": "Ada\\u0000Lovelace"}', ["U+0000", "$.displayName"]),
    (b'{"n": 9007199254740992}', ["outside", "$.n"]),
    (b'{"n": -9007199254740992}', ["outside", "$.n"]),
    (b'{"n": 1' + b"0" * 5000 + b"}", ["5001 digits", "$.n"]),
    (b'{"n": 1e400}', ["not a finite", "$.n"]),
    (b'{"n": NaN}', ["NaN is not JSON", "$.n"]),
    (b'{"n": -Infinity}', ["-Infinity is not JSON"]),
    (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), ["deeper than 64"]),
    (b"[" * 100_000 + b"]" * 100_000, ["deeper than 64"]),
    (b'{"a": ', ["not valid JSON", "line 1 column 7"]),
    (b'{"a": "\xff"}', ["not UTF-8", "byte 7"]),
]


@pytest.mark.parametrize(("body", "words"), REFUSED)
def test_parse_strict_json_refuses_and_names_where(body: bytes, words: list[str]) -> None:
    with pytest.raises(MalformedJsonError, match=r"^the body") as caught:
        parse_strict_json(body, what="the body")
    for word in words:
        assert word in caught.value.detail


def test_parse_strict_json_keeps_what_every_reader_agrees_on() -> None:
    text = json.dumps(
        {
            "emoji": "\U0001f600",  # written by json.dumps as a surrogate *pair*, which is fine
            "escaped": "\\u0000 \\ud800",  # an escaped backslash: no NUL, no surrogate
            "limits": [9007199254740991, -9007199254740991, 1.7976931348623157e308, 0.1],
            "nested": [[[{"a": [1]}]]],
        }
    )
    assert parse_strict_json(text) == json.loads(text)
    deepest = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_strict_json(deepest) == json.loads(deepest)


def test_parse_strict_json_disagrees_with_last_wins_readers() -> None:
    """The attack: msgspec and json keep the last duplicate, so a forged value placed first went unseen."""
    body = b'{"id": "urn:forged", "id": "urn:real"}'
    assert msgspec.json.decode(body)["id"] == "urn:real"
    with pytest.raises(MalformedJsonError, match="duplicate member 'id'"):
        parse_strict_json(body)


def test_parse_strict_json_costs_about_what_msgspec_costs() -> None:
    document = {"items": [{"name": "x" * 20, "n": i, "f": 1.5, "tags": ["a", "b", "é"]} for i in range(15_000)]}
    body = json.dumps(document).encode()  # ~1.2 MB, 15,000 objects
    strict = _best_of(lambda: parse_strict_json(body))
    fast = _best_of(lambda: msgspec.json.decode(body))
    assert strict < 10 * fast + 0.05, (strict, fast)


def _best_of(run: object, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        best = min(best, time.perf_counter() - start)
    return best
