-- Clients of the VC API and admin routes (hashed secrets); api_clients.py loads these at import.

-- name: insert --
INSERT INTO api_clients (id, name, key_prefix, secret_hash, scopes, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at, rotated_at

-- name: get_by_prefix --
SELECT id, name, secret_hash, scopes, expires_at, revoked_at, last_used_at FROM api_clients WHERE key_prefix = $1

-- name: list_all --
SELECT id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at, rotated_at
FROM api_clients ORDER BY created_at, id

-- name: get --
SELECT id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at, rotated_at
FROM api_clients WHERE id = $1

-- name: mark_revoked --
UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL
RETURNING id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at, rotated_at

-- name: replace_secret --
-- Rotation: a new prefix and secret for the same client (its id, scopes and history stay); the old secret stops
-- working at once. Only a key that is not revoked can be rotated.
UPDATE api_clients SET key_prefix = $2, secret_hash = $3, expires_at = $4, rotated_at = $5
WHERE id = $1 AND revoked_at IS NULL
RETURNING id, name, key_prefix, scopes, created_at, expires_at, last_used_at, revoked_at, rotated_at

-- name: touch_last_used --
-- At most one write a minute per key, whichever process sees it first: the guard skips a fresh row without a
-- write, and this WHERE makes racing processes write once.
UPDATE api_clients SET last_used_at = $2
WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2::timestamptz - make_interval(secs => $3::float8))
