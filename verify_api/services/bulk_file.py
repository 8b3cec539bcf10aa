"""Reading a bulk issuance file (CSV or JSON Lines) into rows, all or nothing.

The whole file is read before anything is written: the first row that cannot be read refuses the file with its line
and column (`MalformedBulkFileError`). What is checked here is the file's shape (columns, types, which fields a
row carries); what a row means (a taken e-mail, a failed exam, a holder with no evidence) is judged per row when
the job runs, by the same rules as a single issuance.

CSV is RFC 4180 with a header row naming the columns (`BULK_COLUMNS`, any order); an empty cell is an absent value.
JSON Lines is one JSON object per line (https://jsonlines.org/), read strictly (verify_api.strict_json); blank lines
are skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Any, Literal

import msgspec

from verify_api.errors import MalformedBulkFileError, MalformedJsonError
from verify_api.issuance_job_schemas import BULK_COLUMNS, BulkRow
from verify_api.strict_json import parse_strict_json

BulkFormat = Literal["csv", "jsonl"]
MEDIA_TYPES: dict[str, BulkFormat] = {
    "text/csv": "csv",
    "application/jsonl": "jsonl",
    "application/x-ndjson": "jsonl",
    "application/jsonlines": "jsonl",
}
_AT_FIELD = re.compile(r"at `\$\.(\w+)")
_AT_BYTE = re.compile(r"\(byte (\d+)\)|at byte (\d+)|position (\d+)")
_NEW_HOLDER_FIELDS = ("display_name", "email", "score", "max_score", "assessed_at", "exam_version")


@dataclass(frozen=True)
class ParsedRow:
    number: int  # 1-based, in file order
    line: int  # where the row starts in the file
    row: BulkRow
    key: str
    fingerprint: bytes


def row_fingerprint(row: BulkRow) -> bytes:
    """SHA-256 of what the row asks for, its key excluded, with e-mail case folded (e-mails are unique that way)."""
    content = msgspec.structs.replace(row, key=None, email=row.email.lower() if row.email else None)
    return hashlib.sha256(msgspec.json.encode(content)).digest()


def row_key(row: BulkRow, fingerprint: bytes) -> str:
    """The given key, or one derived from the row's content: the same row in a re-submitted file has the same key."""
    return f"key:{row.key}" if row.key is not None else f"sha256:{fingerprint.hex()}"


def _check_shape(row: BulkRow) -> tuple[str, str] | None:
    """(field, what is wrong) when the row is neither a new holder with an exam result nor an existing subject."""
    subjects = [name for name in ("holder_id", "organization_id", "display_name") if getattr(row, name) is not None]
    if not subjects:
        return "display_name", "a row needs displayName (a new holder) or holderId or organizationId"
    if len(subjects) > 1:
        return subjects[1], "a row names one subject: displayName (a new holder), holderId or organizationId"
    if row.display_name is not None:
        for needed in ("score", "max_score"):
            if getattr(row, needed) is None:
                return needed, f"a new holder's row needs {_camel(needed)} (their exam result)"
        return None
    for extra in _NEW_HOLDER_FIELDS:
        if getattr(row, extra) is not None:
            return extra, f"{_camel(extra)} is only for a new holder's row (one with displayName)"
    return None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _parsed(number: int, line: int, row: BulkRow) -> ParsedRow:
    fingerprint = row_fingerprint(row)
    return ParsedRow(number=number, line=line, row=row, key=row_key(row, fingerprint), fingerprint=fingerprint)


def read_bulk_file(body: bytes, file_format: BulkFormat, *, max_rows: int) -> list[ParsedRow]:
    """Every row of the file, or `MalformedBulkFileError` for the first one that cannot be read."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        column = exc.start - (body.rfind(b"\n", 0, exc.start) + 1) + 1
        raise MalformedBulkFileError("the file is not UTF-8", line=line, column=column) from None
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise MalformedBulkFileError("the file contains U+0000, which no field may hold", line=line, column=1)
    rows = _read_csv(text, max_rows) if file_format == "csv" else _read_jsonl(text, max_rows)
    if not rows:
        raise MalformedBulkFileError("the file has no rows", line=1, column=1)
    return rows


def _too_many(max_rows: int, line: int) -> MalformedBulkFileError:
    return MalformedBulkFileError(f"the file has more than {max_rows} rows (BULK_MAX_ROWS)", line=line, column=1)


def _check_header(header: list[str]) -> None:
    for index, name in enumerate(header):
        if name not in BULK_COLUMNS:
            raise MalformedBulkFileError(
                f"unknown column {name!r}; the columns are {', '.join(BULK_COLUMNS)}", line=1, column=index + 1
            )
        if header.index(name) != index:
            raise MalformedBulkFileError(f"column {name!r} appears twice", line=1, column=index + 1)


def _read_csv(text: str, max_rows: int) -> list[ParsedRow]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise MalformedBulkFileError(f"the header row is not valid CSV: {exc}", line=1, column=1) from None
    if header is None:
        raise MalformedBulkFileError("the file is empty; a CSV file starts with a header row", line=1, column=1)
    _check_header(header)
    rows: list[ParsedRow] = []
    line = reader.line_num + 1
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            raise MalformedBulkFileError(f"not valid CSV: {exc}", line=line, column=1) from None
        if record:
            if len(record) != len(header):
                column = min(len(record), len(header)) + 1
                raise MalformedBulkFileError(
                    f"the row has {len(record)} fields, the header {len(header)}", line=line, column=column
                )
            if len(rows) >= max_rows:
                raise _too_many(max_rows, line)
            values = {name: value for name, value in zip(header, record, strict=True) if value != ""}
            rows.append(_parsed(len(rows) + 1, line, _convert(values, line, lambda f: header.index(f) + 1)))
        line = reader.line_num + 1


def _convert(values: dict[str, Any], line: int, column_of: Any, *, strict: bool = False) -> BulkRow:
    try:
        row = msgspec.convert(values, BulkRow, strict=strict)
    except msgspec.ValidationError as exc:
        found = _AT_FIELD.search(str(exc))
        field = found.group(1) if found else None
        column = column_of(field) if field is not None and field in BULK_COLUMNS else 1
        raise MalformedBulkFileError(str(exc), line=line, column=column) from None
    problem = _check_shape(row)
    if problem is not None:
        field, message = problem
        camel = _camel(field)
        raise MalformedBulkFileError(message, line=line, column=column_of(camel) if camel in values else 1)
    return row


def _read_jsonl(text: str, max_rows: int) -> list[ParsedRow]:
    rows: list[ParsedRow] = []
    for line_number, raw in enumerate(text.split("\n"), start=1):
        line_text = raw.removesuffix("\r")
        if not line_text.strip():
            continue
        if len(rows) >= max_rows:
            raise _too_many(max_rows, line_number)
        try:
            value = parse_strict_json(line_text, what="the line")
        except MalformedJsonError as exc:
            position = exc.data.get("position")
            if not isinstance(position, int):
                found = _AT_BYTE.search(exc.detail)
                position = int(next(g for g in found.groups() if g)) if found else 0
            raise MalformedBulkFileError(exc.detail, line=line_number, column=position + 1) from None
        if not isinstance(value, dict):
            raise MalformedBulkFileError("each line must be a JSON object", line=line_number, column=1)

        def column_of(field: str, text: str = line_text) -> int:
            return text.find(f'"{field}"') + 1 or 1

        for name in value:
            if name not in BULK_COLUMNS:
                raise MalformedBulkFileError(
                    f"unknown member {name!r}; the members are {', '.join(BULK_COLUMNS)}",
                    line=line_number,
                    column=column_of(name),
                )
        rows.append(_parsed(len(rows) + 1, line_number, _convert(value, line_number, column_of, strict=True)))
    return rows
