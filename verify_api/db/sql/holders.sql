-- People who hold credentials; holders.py loads these at import.

-- name: insert --
INSERT INTO holders (id, display_name, email, public_listing, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, display_name, email, public_listing, created_at

-- name: get --
SELECT id, display_name, email, public_listing, created_at FROM holders WHERE id = $1

-- Staff reads (issue 11): keyset pages, newest first, narrowed by e-mail (case-insensitive, exact) and by a
-- verification code printed on one of the holder's credentials.

-- name: page --
-- $1 email or NULL, $2 verification code (canonical form) or NULL, $3/$4 the last row seen (created_at, id) or
-- NULL, $5 limit
SELECT h.id, h.display_name, h.email, h.public_listing, h.created_at
FROM holders h
WHERE ($1::text IS NULL OR (h.email IS NOT NULL AND lower(h.email) = lower($1::text)))
  AND ($2::text IS NULL OR h.id IN (SELECT c.holder_id FROM credentials c WHERE c.verification_code = $2::text))
  AND ($3::timestamptz IS NULL OR (h.created_at, h.id) < ($3::timestamptz, $4::uuid))
ORDER BY h.created_at DESC, h.id DESC
LIMIT $5

-- name: search --
-- Tolerant name search over the folded name (registry_fold: lower case, no accents; migration 0011_find), as the
-- registry searches organisations: every query word must occur in the name, as a substring (a partial word) or a
-- close trigram match (`<%`, word_similarity above pg_trgm.word_similarity_threshold, 0.6 by default: one typo), in
-- any order. The trigram index finds the candidates from the whole phrase (`<%` or a substring); `rank` (0..1000)
-- puts the closest names first: word similarity counts twice, whole-name similarity once, so "Ada Lovelace" ranks
-- above "Ada Lovelace-Byron" for "lovelace ada". Keyset pages over (rank DESC, id).
-- $1 the query, $2 the query LIKE-escaped, $3 email or NULL, $4 code or NULL, $5/$6 the last (rank, id) seen or
-- NULL, $7 limit, $8 the query's words (letters and digits only, so no LIKE wildcard). The query is folded once
-- (the `q` row; OFFSET 0 keeps it from being inlined into every row).
SELECT m.id, m.display_name, m.email, m.public_listing, m.created_at, m.rank
FROM (
    SELECT h.id, h.display_name, h.email, h.public_listing, h.created_at,
           round(1000 * (2 * word_similarity(q.phrase, h.search_name) + similarity(q.phrase, h.search_name)) / 3)::int
               AS rank
    FROM (SELECT registry_fold($1::text) AS phrase, '%' || registry_fold($2::text) || '%' AS pattern,
                 ARRAY(SELECT registry_fold(w) FROM unnest($8::text[]) AS w) AS words
          OFFSET 0) q
    JOIN holders h ON q.phrase <% h.search_name OR h.search_name LIKE q.pattern
    WHERE NOT EXISTS (SELECT 1 FROM unnest(q.words) AS w
                      WHERE NOT (h.search_name LIKE '%' || w || '%' OR w <% h.search_name))
      AND ($3::text IS NULL OR (h.email IS NOT NULL AND lower(h.email) = lower($3::text)))
      AND ($4::text IS NULL OR h.id IN (SELECT c.holder_id FROM credentials c WHERE c.verification_code = $4::text))
) m
WHERE $5::int IS NULL OR m.rank < $5::int OR (m.rank = $5::int AND m.id > $6::uuid)
ORDER BY m.rank DESC, m.id
LIMIT $7

-- name: lock --
-- The holder, locked until the transaction ends: a correction and a re-issue of the same holder go one at a time.
SELECT id, display_name, email, public_listing, created_at FROM holders WHERE id = $1 FOR UPDATE

-- name: update_details --
UPDATE holders SET display_name = $2, email = $3 WHERE id = $1
RETURNING id, display_name, email, public_listing, created_at
-- name: insert_many --
-- New holders in one statement (bulk issuance); one whose e-mail is already taken, by an earlier holder or an earlier
-- row of the same statement, is skipped rather than an error: the ids returned are the holders written.
INSERT INTO holders (id, display_name, email, public_listing, created_at)
SELECT i, d, e, p, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bool[]) WITH ORDINALITY AS h (i, d, e, p, n)
ORDER BY n
ON CONFLICT DO NOTHING
RETURNING id
