-- Bulk issuance (issue 11, section 1): issuance jobs, their rows, and the row keys that make a job idempotent.
--
-- A job and all its rows are written in one transaction when the file is accepted (202): nothing acknowledged can
-- be lost. A worker (services/issuance_jobs.py) claims a job by lease (`lease_owner`, `lease_expires_at`; claimed
-- with FOR UPDATE SKIP LOCKED), and commits each batch of rows together with their outcomes, the job's counts and
-- `issuance_row_keys`, so a server killed mid-job leaves whole batches only, and the next claimant carries on with
-- the rows still pending.

CREATE TABLE issuance_jobs (
    id                uuid PRIMARY KEY,
    source_format     text NOT NULL CONSTRAINT issuance_jobs_format_check CHECK (source_format IN ('csv', 'jsonl')),
    state             text NOT NULL DEFAULT 'queued'
                      CONSTRAINT issuance_jobs_state_check CHECK (state IN ('queued', 'running', 'completed')),
    total             integer NOT NULL CONSTRAINT issuance_jobs_total_range CHECK (total >= 0),
    issued            integer NOT NULL DEFAULT 0,
    failed            integer NOT NULL DEFAULT 0,
    duplicates        integer NOT NULL DEFAULT 0,
    submitted_by      uuid,                       -- the API client; NULL from the CLI
    created_at        timestamptz NOT NULL,
    started_at        timestamptz,
    finished_at       timestamptz,
    lease_owner       text,
    lease_expires_at  timestamptz,
    CONSTRAINT issuance_jobs_counts CHECK (issued + failed + duplicates <= total)
);
CREATE INDEX issuance_jobs_unfinished ON issuance_jobs (created_at) WHERE state <> 'completed';

CREATE TABLE issuance_job_rows (
    job_id         uuid NOT NULL REFERENCES issuance_jobs (id),
    row_number     integer NOT NULL,               -- 1-based, in file order
    line           integer NOT NULL,               -- where the row starts in the file
    row_key        text NOT NULL,
    fingerprint    bytea NOT NULL,                 -- SHA-256 of the row's content (its key excluded)
    input          jsonb NOT NULL,
    outcome        text CONSTRAINT issuance_job_rows_outcome_check CHECK (outcome IN ('issued', 'failed', 'duplicate')),
    credential_id  text REFERENCES credentials (id),
    problem        jsonb,
    duplicate_of   text,                           -- "<job id>/<row number>" of the row that issued it
    finished_at    timestamptz,
    CONSTRAINT issuance_job_rows_pkey PRIMARY KEY (job_id, row_number),
    CONSTRAINT issuance_job_rows_outcome_shape CHECK (
        (outcome IS NULL AND credential_id IS NULL AND problem IS NULL)
        OR (outcome = 'issued' AND credential_id IS NOT NULL)
        OR (outcome = 'duplicate' AND credential_id IS NOT NULL)
        OR (outcome = 'failed' AND problem IS NOT NULL AND credential_id IS NULL))
);
CREATE INDEX issuance_job_rows_pending ON issuance_job_rows (job_id, row_number) WHERE outcome IS NULL;

-- A row key issues at most once, whichever job, file or server carries it: the row that issued it is recorded in
-- the same transaction as its credential.
CREATE TABLE issuance_row_keys (
    row_key        text PRIMARY KEY CONSTRAINT issuance_row_keys_key_length CHECK (length(row_key) BETWEEN 1 AND 300),
    fingerprint    bytea NOT NULL,
    credential_id  text NOT NULL REFERENCES credentials (id),
    job_id         uuid NOT NULL REFERENCES issuance_jobs (id),
    row_number     integer NOT NULL,
    created_at     timestamptz NOT NULL
);
