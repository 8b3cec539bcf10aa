-- Clients registered with the Open Badges API authorization server by RFC 7591 dynamic registration
-- (migration 0022_obapi; oauth_clients.py). The secret is kept as its SHA-256 only.

-- name: insert --
INSERT INTO oauth_clients (client_id, secret_hash, metadata, redirect_uris, scope, grant_types, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)

-- name: get --
SELECT client_id, secret_hash, metadata, redirect_uris, scope, grant_types, created_at
FROM oauth_clients WHERE client_id = $1
