-- Bulk issuance jobs, their rows and the row keys that issued (migrations/0012); issuance_jobs.py loads these.

-- name: insert_job --
-- A job may be leased from the start ($6, $7: the CLI runs the job it submits, no server worker takes it).
INSERT INTO issuance_jobs (id, source_format, total, submitted_by, created_at, lease_owner, lease_expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: insert_rows --
-- One statement per chunk of rows: arrays in file order (row number, line, key, fingerprint, the row as JSON text).
INSERT INTO issuance_job_rows (job_id, row_number, line, row_key, fingerprint, input)
SELECT $1, n, l, k, f, i::jsonb FROM unnest($2::int[], $3::int[], $4::text[], $5::bytea[], $6::text[]) AS r (n, l, k, f, i)

-- name: claim_job --
-- The oldest unfinished job nobody holds (its lease expired or never taken), claimed for $1 until $3. SKIP LOCKED: a
-- job another worker is claiming or running a batch of is passed over, not waited for.
UPDATE issuance_jobs j SET lease_owner = $1, lease_expires_at = $3, state = 'running', started_at = coalesce(started_at, $2)
WHERE j.id = (
    SELECT id FROM issuance_jobs
    WHERE state <> 'completed' AND (lease_expires_at IS NULL OR lease_expires_at < $2)
    ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING j.id, j.submitted_by

-- name: renew_lease --
-- The first statement of every batch: the job's row stays locked to the batch's commit, and a worker whose lease
-- another took over gets nothing back and stops.
UPDATE issuance_jobs SET lease_expires_at = $3 WHERE id = $1 AND lease_owner = $2 RETURNING id

-- name: release_lease --
UPDATE issuance_jobs SET lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2

-- name: pending_rows --
SELECT row_number, line, row_key, fingerprint, input FROM issuance_job_rows
WHERE job_id = $1 AND outcome IS NULL ORDER BY row_number LIMIT $2

-- name: issued_keys --
SELECT k.row_key, k.fingerprint, k.credential_id, k.job_id, k.row_number
FROM issuance_row_keys k WHERE k.row_key = ANY($1::text[])

-- name: insert_row_keys --
INSERT INTO issuance_row_keys (row_key, fingerprint, credential_id, job_id, row_number, created_at)
SELECT k, f, c, $1, n, $2 FROM unnest($3::text[], $4::bytea[], $5::text[], $6::int[]) AS r (k, f, c, n)

-- name: record_outcomes --
UPDATE issuance_job_rows r
SET outcome = o.outcome, credential_id = o.credential_id, problem = o.problem::jsonb, duplicate_of = o.duplicate_of,
    finished_at = $2
FROM unnest($3::int[], $4::text[], $5::text[], $6::text[], $7::text[]) AS o (row_number, outcome, credential_id, problem, duplicate_of)
WHERE r.job_id = $1 AND r.row_number = o.row_number AND r.outcome IS NULL

-- name: count_outcomes --
UPDATE issuance_jobs SET issued = issued + $2, failed = failed + $3, duplicates = duplicates + $4 WHERE id = $1

-- name: finish_job --
-- Completed once no row is pending (checked in the same statement), and released.
UPDATE issuance_jobs SET state = 'completed', finished_at = $3, lease_owner = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_owner = $2
  AND NOT EXISTS (SELECT 1 FROM issuance_job_rows WHERE job_id = $1 AND outcome IS NULL)
RETURNING id

-- name: get_job --
SELECT id, state, total, issued, failed, duplicates, created_at, started_at, finished_at FROM issuance_jobs
WHERE id = $1

-- name: result_page --
SELECT r.row_number, r.line, r.row_key, r.outcome, r.credential_id, c.verification_code, r.problem, r.duplicate_of
FROM issuance_job_rows r LEFT JOIN credentials c ON c.id = r.credential_id
WHERE r.job_id = $1 AND r.row_number > $2 ORDER BY r.row_number LIMIT $3

-- name: recent_jobs --
-- The staff console's list: the newest jobs first (a job is one file, so this table stays small).
SELECT id, state, total, issued, failed, duplicates, created_at, started_at, finished_at FROM issuance_jobs
ORDER BY created_at DESC, id DESC LIMIT $1

-- name: failed_result_page --
-- The rows of a job that failed, in file order (the console shows them beside the first rows).
SELECT r.row_number, r.line, r.row_key, r.outcome, r.credential_id, NULL::text AS verification_code, r.problem,
       r.duplicate_of
FROM issuance_job_rows r
WHERE r.job_id = $1 AND r.outcome = 'failed' ORDER BY r.row_number LIMIT $2
