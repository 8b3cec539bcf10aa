-- Single-use links of holders (migration 0018_holders_sign_in): the SHA-256 of each token; holder_links.py.

-- name: insert --
INSERT INTO holder_links (token_hash, holder_id, purpose, email_change_id, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: peek --
-- The link while it can still be used ($2: now), without using it (the confirmation page's GET).
SELECT holder_id, purpose, email_change_id, expires_at FROM holder_links
WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2

-- name: consume --
-- Use the link: one guarded statement, so of two requests racing with one link at most one gets its row.
UPDATE holder_links SET used_at = $2
WHERE token_hash = $1 AND purpose = $3 AND used_at IS NULL AND expires_at > $2
RETURNING holder_id, purpose, email_change_id, expires_at

-- name: delete_expired --
DELETE FROM holder_links WHERE expires_at <= $1

-- name: lock_bucket --
-- Wait for any other sign-in request of bucket $1 to commit, and hold the bucket to the end of this transaction, so
-- count-then-record is exact. Its own statement: a later statement's snapshot then sees what the other one wrote.
SELECT pg_advisory_xact_lock(hashtextextended(encode($1, 'hex'), 13))

-- name: count_requests --
-- Sign-in requests of bucket $1 since $2 (the rate limits' sliding log).
SELECT count(*) FROM holder_sign_in_requests WHERE bucket = $1 AND requested_at > $2

-- name: record_request --
INSERT INTO holder_sign_in_requests (bucket, requested_at) VALUES ($1, $2)

-- name: oldest_request --
SELECT min(requested_at) FROM holder_sign_in_requests WHERE bucket = $1 AND requested_at > $2

-- name: forget_requests --
DELETE FROM holder_sign_in_requests WHERE requested_at <= $1
