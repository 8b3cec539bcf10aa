-- Clients of the VC API and admin routes (hashed secrets); api_clients.py loads these at import.

-- name: insert --
INSERT INTO api_clients (id, name, key_prefix, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)

-- name: get_by_prefix --
SELECT id, name, secret_hash, scopes FROM api_clients WHERE key_prefix = $1 AND revoked_at IS NULL
