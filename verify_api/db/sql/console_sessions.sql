-- Console sign-in sessions (migration 0010): the SHA-256 of each token, never the token; console_sessions.py.

-- name: insert --
INSERT INTO console_sessions (token_hash, staff_id, created_at, last_seen_at, expires_at, csrf_secret)
VALUES ($1, $2, $3, $3, $4, $5)

-- name: get_live --
-- The session of this token hash while it is within both limits (absolute: expires_at; idle: $3 seconds since it
-- was last seen) and its account is enabled.
SELECT s.staff_id, s.created_at, s.last_seen_at, s.expires_at, s.csrf_secret, a.email, a.role
FROM console_sessions s JOIN staff_accounts a ON a.id = s.staff_id
WHERE s.token_hash = $1 AND s.expires_at > $2
  AND s.last_seen_at > $2::timestamptz - make_interval(secs => $3::float8) AND a.disabled_at IS NULL

-- name: touch --
-- At most one write per session per $3 seconds, however many pages it opens.
UPDATE console_sessions SET last_seen_at = $2
WHERE token_hash = $1 AND last_seen_at <= $2::timestamptz - make_interval(secs => $3::float8)

-- name: delete --
DELETE FROM console_sessions WHERE token_hash = $1

-- name: delete_for_staff --
DELETE FROM console_sessions WHERE staff_id = $1

-- name: delete_expired --
DELETE FROM console_sessions
WHERE expires_at <= $1 OR last_seen_at <= $1::timestamptz - make_interval(secs => $2::float8)
