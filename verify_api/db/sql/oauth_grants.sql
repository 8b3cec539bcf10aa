-- The Open Badges API authorization server's codes, grants and tokens (migration 0022_obapi; oauth_grants.py), each
-- secret found by its SHA-256.

-- name: insert_code --
INSERT INTO oauth_codes (code_hash, client_id, holder_id, redirect_uri, scope, code_challenge, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- name: use_code --
-- The one exchange of a code: only the first finds used_at unset (RFC 6749 §4.1.2 "MUST NOT be used more than once").
UPDATE oauth_codes SET used_at = $2 WHERE code_hash = $1 AND used_at IS NULL
RETURNING code_hash, client_id, holder_id, redirect_uri, scope, code_challenge, created_at, expires_at

-- name: code_was_used --
SELECT used_at IS NOT NULL FROM oauth_codes WHERE code_hash = $1

-- name: delete_expired_codes --
-- Codes a day past their expiry: by then a replay of one is only an unknown code.
DELETE FROM oauth_codes WHERE expires_at <= $1::timestamptz - interval '1 day'

-- name: insert_grant --
INSERT INTO oauth_grants (id, code_hash, client_id, holder_id, scope, created_at) VALUES ($1, $2, $3, $4, $5, $6)

-- name: revoke_grant_of_code --
UPDATE oauth_grants SET revoked_at = $2 WHERE code_hash = $1 AND revoked_at IS NULL

-- name: revoke_grant --
UPDATE oauth_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL

-- name: insert_token --
INSERT INTO oauth_tokens (token_hash, grant_id, kind, scope, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)

-- name: live_access_token --
-- An access token within its lifetime whose grant stands.
SELECT t.grant_id, t.scope, t.expires_at, g.client_id, g.holder_id
FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
WHERE t.token_hash = $1 AND t.kind = 'access' AND t.expires_at > $2 AND t.revoked_at IS NULL
  AND g.revoked_at IS NULL

-- name: use_refresh_token --
-- Rotation: the refresh token presented is revoked by the one request that uses it, which gets its grant back.
UPDATE oauth_tokens t SET revoked_at = $3
FROM oauth_grants g
WHERE t.token_hash = $1 AND t.kind = 'refresh' AND t.revoked_at IS NULL AND t.expires_at > $3
  AND g.id = t.grant_id AND g.client_id = $2 AND g.revoked_at IS NULL
RETURNING t.grant_id, t.scope, g.client_id, g.holder_id

-- name: token_of_client --
-- Any token of this client, live or not: a revoked refresh token presented again is a replay (grant revoked).
SELECT t.grant_id, t.kind, t.revoked_at IS NOT NULL AS revoked
FROM oauth_tokens t JOIN oauth_grants g ON g.id = t.grant_id
WHERE t.token_hash = $1 AND g.client_id = $2

-- name: revoke_token --
UPDATE oauth_tokens SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL

-- name: delete_expired_tokens --
DELETE FROM oauth_tokens WHERE expires_at <= $1::timestamptz - interval '1 day'
