-- The public directory of holders (issue 13; migration 0017_holders_privacy): candidates only. Listed holders with
-- at least one listed PAI certification stored active (of tier $1 when given); the one judgement then decides which
-- are valid now (services/directory.py), so SQL only narrows.

-- name: listed_page --
-- By name (folded), then id; keyset after ($2, $3). $1 tier or NULL, $4 limit.
SELECT h.id, h.display_name, h.search_name AS sort_name, 0 AS rank
FROM holders h
WHERE h.public_listing
  AND EXISTS (SELECT 1 FROM credentials c LEFT JOIN credential_privacy p ON p.credential_id = c.id
              WHERE c.holder_id = h.id AND c.kind = 'certification' AND c.status = 'active'
                AND coalesce(p.listed, true) AND ($1::text IS NULL OR c.tier = $1::text))
  AND ($2::text IS NULL OR (h.search_name, h.id) > ($2::text, $3::uuid))
ORDER BY h.search_name, h.id
LIMIT $4

-- name: listed_search --
-- The staff search's tolerant name match (holders.sql `search`: every word as a substring or a close trigram match,
-- ranked 0..1000), over listed holders only. $1 tier or NULL, $2 the query, $3 the query LIKE-escaped, $4 the
-- query's words, $5/$6 the last (rank, id) seen or NULL, $7 limit.
SELECT m.id, m.display_name, m.search_name AS sort_name, m.rank
FROM (
    SELECT h.id, h.display_name, h.search_name,
           round(1000 * (2 * word_similarity(q.phrase, h.search_name) + similarity(q.phrase, h.search_name)) / 3)::int
               AS rank
    FROM (SELECT registry_fold($2::text) AS phrase, '%' || registry_fold($3::text) || '%' AS pattern,
                 ARRAY(SELECT registry_fold(w) FROM unnest($4::text[]) AS w) AS words
          OFFSET 0) q
    JOIN holders h ON q.phrase <% h.search_name OR h.search_name LIKE q.pattern
    WHERE h.public_listing
      AND NOT EXISTS (SELECT 1 FROM unnest(q.words) AS w
                      WHERE NOT (h.search_name LIKE '%' || w || '%' OR w <% h.search_name))
      AND EXISTS (SELECT 1 FROM credentials c LEFT JOIN credential_privacy p ON p.credential_id = c.id
                  WHERE c.holder_id = h.id AND c.kind = 'certification' AND c.status = 'active'
                    AND coalesce(p.listed, true) AND ($1::text IS NULL OR c.tier = $1::text))
) m
WHERE $5::int IS NULL OR m.rank < $5::int OR (m.rank = $5::int AND m.id > $6::uuid)
ORDER BY m.rank DESC, m.id
LIMIT $7
