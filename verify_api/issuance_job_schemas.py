"""Wire structs of bulk issuance (POST /v1/issuance-jobs): one row of the file, a job's state, one row's result.

A row is either a new holder with their exam result (displayName, email, score, maxScore, assessedAt, ...), which
the AIDA rule judges, or an existing subject (holderId or organizationId) whose evidence is already on record, for
any tier. `key` makes a row idempotent; without it the key is derived from the row's content.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from verify_api.domain.tiers import Tier
from verify_api.schemas import Email, Name, Request, Response

RowKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^\S(.*\S)?$")]
JobState = Literal["queued", "running", "completed"]
RowOutcome = Literal["pending", "issued", "failed", "duplicate"]


class BulkRow(Request):
    key: RowKey | None = None
    tier: Tier = "AIDA"
    cryptosuite: Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"] | None = None
    # an existing subject, whose evidence is on record
    holder_id: UUID | None = None
    organization_id: UUID | None = None
    # or a new holder and their exam result
    display_name: Name | None = None
    email: Email | None = None
    public_listing: bool = False
    score: Annotated[int, msgspec.Meta(ge=0)] | None = None
    max_score: Annotated[int, msgspec.Meta(gt=0)] | None = None
    assessed_at: datetime | None = None
    exam_version: Annotated[str, msgspec.Meta(max_length=50)] | None = None


# The columns a CSV file may have (its header names them; order free, every one but the subject's optional).
BULK_COLUMNS: tuple[str, ...] = tuple(f.encode_name for f in msgspec.structs.fields(BulkRow))


class IssuanceJobView(Response):
    id: UUID
    state: JobState
    total: int
    issued: int
    failed: int
    duplicates: int
    pending: int
    progress: float
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    results_url: str


class RowProblem(Response, omit_defaults=True):
    """The RFC 9457 problem the single-issue path (POST /v1/credentials and the calls before it) would answer."""

    type: str
    title: str
    status: int
    detail: str
    rule: str | None = None
    missing: list[str] | None = None


class RowResult(Response, omit_defaults=True):
    row: int
    line: int
    key: str
    outcome: RowOutcome
    credential_id: str | None = None
    verification_code: str | None = None
    url: str | None = None
    duplicate_of: str | None = None  # "<job id>/<row>" of the row that issued the credential
    problem: RowProblem | None = None
