-- The API clients' holder keys (public halves and windows); holder_keys.py loads these.

-- name: insert --
-- A client's new active key; nothing (no row) when another request made one first (the partial unique index).
INSERT INTO holder_keys (verification_method, client_id, public_key_multibase, created_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT (client_id) WHERE retired_at IS NULL DO NOTHING
RETURNING verification_method, client_id, public_key_multibase, created_at, retired_at

-- name: active_for_client --
-- The client's active key, share-locked to the end of the signing transaction (a rotation waits for it).
SELECT h.verification_method, h.client_id, h.public_key_multibase, h.created_at, h.retired_at
FROM holder_keys h WHERE h.client_id = $1 AND h.retired_at IS NULL FOR SHARE

-- name: retire_for_client --
UPDATE holder_keys SET retired_at = $2 WHERE client_id = $1 AND retired_at IS NULL
RETURNING verification_method, client_id, public_key_multibase, created_at, retired_at

-- name: get --
SELECT verification_method, client_id, public_key_multibase, created_at, retired_at
FROM holder_keys WHERE verification_method = $1

-- name: retired_for_client --
SELECT verification_method, client_id, public_key_multibase, created_at, retired_at
FROM holder_keys WHERE client_id = $1 AND retired_at IS NOT NULL ORDER BY created_at
