"""Strict JSON: the one reader for JSON a client sends, so every path sees exactly one meaning of it.

RFC 8259 leaves open what a parser does with duplicate member names (§4: "the behavior of software that receives
such an object is unpredictable"), lone surrogate escapes (§8.2), numbers beyond what the other side can represent
(§6) and nesting depth (§9). Python's json and msgspec keep the *last* duplicate, while a signature computed over
another reading may cover the first; RDFC-1.0 and JCS then disagree with what the checks read. So this reader
follows I-JSON (RFC 7493) and refuses, naming the JSON path of the offending value:

- duplicate member names (RFC 7493 §2.3);
- strings that are not Unicode scalar values, i.e. lone surrogate escapes (RFC 7493 §2.1), and U+0000, which
  PostgreSQL cannot store in `text` or `jsonb` and no credential needs;
- integers outside ±(2^53 - 1) and numbers that are not finite IEEE 754 doubles (RFC 7493 §2.2), and the
  non-standard NaN / Infinity literals;
- nesting deeper than `MAX_DEPTH` arrays and objects, and anything that is not UTF-8 (RFC 8259 §8.1).

A clean document costs one C-speed `json.loads` (its hooks only mark what is wrong), one regular-expression search
and a walk over its arrays and objects: about 2x msgspec, linear in the size of the input. Only a document with
something to refuse gets the full walk that names the path.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from verify_api.errors import MalformedJsonError

MAX_DEPTH = 64
MAX_SAFE_INTEGER = 2**53 - 1  # RFC 7493 §2.2
_MAX_INTEGER_DIGITS = len(str(MAX_SAFE_INTEGER))  # longer literals are refused before any conversion
_MAX_NUMBER_CHARS = 64


class _Refused:
    """A number or constant the parser met and refused; the walk reports it with its path."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _WithDuplicates(dict[str, Any]):
    """An object whose members repeat a name; the walk reports it with its path."""

    __slots__ = ("duplicates",)

    def __init__(self, pairs: list[tuple[str, Any]], duplicates: list[str]) -> None:
        super().__init__(pairs)
        self.duplicates = duplicates


# Only an escape can put U+0000 or a surrogate into a decoded string (strict json refuses raw control characters).
# A match inside an escaped backslash is a false alarm that only costs the full walk.
_SUSPICIOUS_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class _Reader:
    """Parser hooks for one document: they keep what the parser cannot refuse itself, for the walk to report."""

    __slots__ = ("flagged",)

    def __init__(self) -> None:
        self.flagged = False

    def object(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) == len(pairs):
            return result
        self.flagged = True
        seen: set[str] = set()
        duplicates = []
        for name, _ in pairs:
            if name in seen:
                duplicates.append(name)
            seen.add(name)
        return _WithDuplicates(pairs, duplicates)

    def integer(self, text: str) -> int | _Refused:
        digits = text.lstrip("-")
        if len(digits) > _MAX_INTEGER_DIGITS or not -MAX_SAFE_INTEGER <= (value := int(text)) <= MAX_SAFE_INTEGER:
            self.flagged = True
            shown = text if len(text) <= 24 else f"{text[:12]}... ({len(digits)} digits)"
            return _Refused(f"the integer {shown} is outside ±(2^53 - 1), the range every JSON reader agrees on")
        return value

    def number(self, text: str) -> float | _Refused:
        if len(text) > _MAX_NUMBER_CHARS:
            self.flagged = True
            return _Refused(f"a number literal of {len(text)} characters is too long")
        value = float(text)
        if not math.isfinite(value):
            self.flagged = True
            return _Refused(f"the number {text} is out of range (not a finite IEEE 754 double)")
        return value

    def constant(self, name: str) -> _Refused:
        self.flagged = True
        return _Refused(f"{name} is not JSON")


def parse_strict_json(data: bytes | str, *, what: str = "the JSON") -> Any:
    """Decode `data` as I-JSON; raise `MalformedJsonError` whose detail names what is wrong and where.

    One `json.loads` whose hooks mark duplicates and refused numbers, one search for suspicious escapes and a walk
    over the arrays and objects (for the depth) decide whether anything may be wrong; only then does the full walk,
    over every value, run to find it and name its path. Each is linear in the size of the input.
    """
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedJsonError(f"{what} is not UTF-8 (byte {exc.start})", position=exc.start) from None
    else:
        text = data
    reader = _Reader()
    value = _loads(
        text,
        what,
        object_pairs_hook=reader.object,
        parse_int=reader.integer,
        parse_float=reader.number,
        parse_constant=reader.constant,
    )
    if reader.flagged or _SUSPICIOUS_ESCAPE.search(text) or _depth(value, 0) > MAX_DEPTH:
        _check_value(value, "$", 0, what)
    return value


def _loads(text: str, what: str, **hooks: Any) -> Any:
    try:
        return json.loads(text, **hooks)
    except json.JSONDecodeError as exc:
        raise MalformedJsonError(
            f"{what} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", position=exc.pos
        ) from None
    except RecursionError:
        raise MalformedJsonError(f"{what} nests arrays and objects deeper than {MAX_DEPTH} levels") from None


def _depth(value: Any, depth: int) -> int:
    """How deep `value` nests arrays and objects, counting no further than just past `MAX_DEPTH`."""
    kind = type(value)
    if (kind is not dict and kind is not list) or depth > MAX_DEPTH:
        return depth
    deepest = depth + 1
    for item in value.values() if kind is dict else value:
        if type(item) is dict or type(item) is list:
            deepest = max(deepest, _depth(item, depth + 1))
    return deepest


def _check_value(value: Any, path: str, depth: int, what: str) -> None:
    """Walk the decoded value once, refusing what the parser hooks marked and what they cannot see (strings)."""
    kind = type(value)
    if kind is str:
        _check_string(value, path, what)
    elif kind is dict or kind is _WithDuplicates:
        if depth >= MAX_DEPTH:
            raise MalformedJsonError(f"{what} nests arrays and objects deeper than {MAX_DEPTH} levels (at {path})")
        if kind is _WithDuplicates:
            name = value.duplicates[0]
            raise MalformedJsonError(
                f"{what} has a duplicate member {name!r} in {path}; each name may appear once (RFC 7493 §2.3)",
                path=path,
                member=name,
            )
        for name, item in value.items():
            _check_string(name, path, what, member=True)
            _check_value(item, _member_path(path, name), depth + 1, what)
    elif kind is list:
        if depth >= MAX_DEPTH:
            raise MalformedJsonError(f"{what} nests arrays and objects deeper than {MAX_DEPTH} levels (at {path})")
        for index, item in enumerate(value):
            _check_value(item, f"{path}[{index}]", depth + 1, what)
    elif kind is _Refused:
        raise MalformedJsonError(f"{what} at {path}: {value.reason}", path=path)


def _check_string(text: str, path: str, what: str, *, member: bool = False) -> None:
    where = f"the member name {text[:40]!r} in {path}" if member else f"the string at {path}"
    if "\x00" in text:
        raise MalformedJsonError(f"{what}: {where} contains U+0000, which is not accepted", path=path)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedJsonError(
                f"{what}: {where} contains a lone surrogate escape, which is not Unicode text (RFC 7493 §2.1)",
                path=path,
            ) from None


def _member_path(path: str, name: str) -> str:
    return f"{path}.{name}" if name.isidentifier() else f"{path}[{json.dumps(name[:40])}]"
