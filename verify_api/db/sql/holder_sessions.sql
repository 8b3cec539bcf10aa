-- Holder sign-in sessions (migration 0016_holders): the SHA-256 of each token, never the token; holder_sessions.py.

-- name: insert --
INSERT INTO holder_sessions (token_hash, holder_id, created_at, last_seen_at, expires_at, csrf_secret)
VALUES ($1, $2, $3, $3, $4, $5)

-- name: get_live --
-- The session of this token hash while it is within both limits (absolute: expires_at; idle: $3 seconds since it
-- was last seen).
SELECT s.holder_id, s.created_at, s.last_seen_at, s.expires_at, s.csrf_secret
FROM holder_sessions s
WHERE s.token_hash = $1 AND s.expires_at > $2
  AND s.last_seen_at > $2::timestamptz - make_interval(secs => $3::float8)

-- name: touch --
-- At most one write per session per $3 seconds, however many pages it opens.
UPDATE holder_sessions SET last_seen_at = $2
WHERE token_hash = $1 AND last_seen_at <= $2::timestamptz - make_interval(secs => $3::float8)

-- name: delete --
DELETE FROM holder_sessions WHERE token_hash = $1

-- name: delete_for_holder --
DELETE FROM holder_sessions WHERE holder_id = $1

-- name: delete_expired --
DELETE FROM holder_sessions
WHERE expires_at <= $1 OR last_seen_at <= $1::timestamptz - make_interval(secs => $2::float8)
