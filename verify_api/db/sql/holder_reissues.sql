-- Idempotency-Key replays of POST /v1/holders/{id}/reissue (migration 0011_find); holder_reissues.py loads these.

-- name: insert --
INSERT INTO holder_reissues (client_id, key, request_hash, holder_id, outcome, created_at)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: get --
SELECT request_hash, outcome FROM holder_reissues WHERE client_id = $1 AND key = $2
