"""Reading a bulk issuance file: rows, their keys, and the line and column of the first error (services.bulk_file)."""

from __future__ import annotations

import pytest

from verify_api.errors import MalformedBulkFileError
from verify_api.services.bulk_file import read_bulk_file

HOLDER = "8c8e4b4e-8b8b-4b8b-8b8b-8b8b8b8b8b8b"


def test_csv_rows_carry_their_line_and_a_key_derived_from_their_content() -> None:
    body = (
        b"displayName,email,score,maxScore,assessedAt\n"
        b"Ada,Ada@Example.org,90,100,2026-11-01T10:00:00Z\n"
        b'"Lovelace, Ada",,50,100,\n'
        b"Ada,ada@example.org,90,100,2026-11-01T10:00:00Z\n"
    )
    rows = read_bulk_file(body, "csv", max_rows=10)
    assert [(r.number, r.line) for r in rows] == [(1, 2), (2, 3), (3, 4)]
    assert rows[1].row.display_name == "Lovelace, Ada"
    assert rows[1].row.email is None
    assert rows[0].row.score == 90
    assert rows[0].key.startswith("sha256:")
    assert rows[0].key == rows[2].key  # e-mail case does not make another row
    assert rows[0].key != rows[1].key


def test_given_key_names_the_row_and_the_fingerprint_still_covers_its_content() -> None:
    body = b'{"key":"s1/1","holderId":"%s","tier":"CPAP"}\n{"key":"s1/1","holderId":"%s","tier":"CPAA"}\n' % (
        HOLDER.encode(),
        HOLDER.encode(),
    )
    first, second = read_bulk_file(body, "jsonl", max_rows=10)
    assert first.key == second.key == "key:s1/1"
    assert first.fingerprint != second.fingerprint


@pytest.mark.parametrize(
    ("body", "file_format", "line", "column", "says"),
    [
        (b"displayName,score,maxScore\nAda,9x,100\n", "csv", 2, 2, "Expected `int"),
        (b"displayName,score,maxScore,color\n", "csv", 1, 4, "unknown column 'color'"),
        (b"displayName,score,displayName\n", "csv", 1, 3, "appears twice"),
        (b"displayName,score,maxScore\nAda,1\n", "csv", 2, 3, "2 fields, the header 3"),
        (b"displayName,score,maxScore\nAda,1,10\n\xff\n", "csv", 3, 1, "not UTF-8"),
        (b"holderId,score\n%s,3\n" % HOLDER.encode(), "csv", 2, 2, "only for a new holder"),
        (b"email\nada@example.org\n", "csv", 2, 1, "needs displayName"),
        (b'{"displayName":"Ada","score":1,"maxScore":1}\n\n{"displayName":"Bo","score":1', "jsonl", 3, 30, "JSON"),
        (b'{"displayName":"Ada","score":1,"maxScore":1,"x":1}\n', "jsonl", 1, 45, "unknown member 'x'"),
        (b'{"displayName":"Ada","score":-1,"maxScore":1}\n', "jsonl", 1, 22, "Expected `int` >= 0"),
        (b'{"holderId":"%s","displayName":"Ada"}\n' % HOLDER.encode(), "jsonl", 1, 52, "one subject"),
        (b"[1, 2]\n", "jsonl", 1, 1, "JSON object"),
        (b"", "csv", 1, 1, "empty"),
        (b"displayName,score,maxScore\n", "csv", 1, 1, "no rows"),
    ],
)
def test_malformed_file_names_line_and_column(body: bytes, file_format: str, line: int, column: int, says: str) -> None:
    with pytest.raises(MalformedBulkFileError, match=f"^line {line}, column {column}: ") as caught:
        read_bulk_file(body, file_format, max_rows=10)  # type: ignore[arg-type]
    assert (caught.value.line, caught.value.column) == (line, column)
    assert says in caught.value.detail


def test_row_limit_is_a_refusal_of_the_file() -> None:
    body = b"displayName,score,maxScore\n" + b"Ada,1,1\n" * 4
    with pytest.raises(MalformedBulkFileError, match="more than 3 rows"):
        read_bulk_file(body, "csv", max_rows=3)
