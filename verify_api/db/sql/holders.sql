-- People who hold credentials; holders.py loads these at import.

-- name: insert --
INSERT INTO holders (id, display_name, email, public_listing, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, display_name, email, public_listing, created_at

-- name: get --
SELECT id, display_name, email, public_listing, created_at FROM holders WHERE id = $1

-- name: insert_many --
-- New holders in one statement (bulk issuance); one whose e-mail is already taken, by an earlier holder or an earlier
-- row of the same statement, is skipped rather than an error: the ids returned are the holders written.
INSERT INTO holders (id, display_name, email, public_listing, created_at)
SELECT i, d, e, p, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[]) WITH ORDINALITY AS h (i, d, e, p, n)
ORDER BY n
ON CONFLICT DO NOTHING
RETURNING id
