-- Idempotency-Key replays of POST /credentials/issue; idempotency_keys.py loads these at import.

-- name: insert --
INSERT INTO idempotency_keys (client_id, key, request_hash, credential_id, created_at) VALUES ($1, $2, $3, $4, $5)

-- name: get --
SELECT request_hash, credential_id FROM idempotency_keys WHERE client_id = $1 AND key = $2
