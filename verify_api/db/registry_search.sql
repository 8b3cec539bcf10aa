-- Registry search (issue 14): organisations with at least one credential, matched word by word against the folded
-- name (registry_fold: lower case, no accents; migration 0004_registry14_search). Each query word must occur in the
-- name, as a substring (partial words) or as a close trigram match (`<%`, word_similarity above
-- pg_trgm.word_similarity_threshold, 0.6 by default: one typo in a word of five or more letters). Word order does
-- not matter. An organisation or credential id matches exactly. Filters narrow by designation and country. Rows
-- come best match first. Whether an organisation is certified is not decided here: the service asks the judgement.

-- name: search_registry_candidates --
-- $1 words (LIKE-escaped), $2 the raw query (for ids), $3 designation or NULL, $4 country or NULL, $5 limit
WITH q AS (
    SELECT coalesce(array_agg(registry_fold(w)), '{}') AS words, registry_fold(array_to_string($1::text[], ' ')) AS phrase
    FROM unnest($1::text[]) AS w
)
SELECT o.id, o.name, o.kind, o.country, o.website
FROM organizations o, q
WHERE EXISTS (SELECT 1 FROM credentials c WHERE c.organization_id = o.id AND ($3::text IS NULL OR c.tier = $3))
  AND ($4::text IS NULL OR o.country = $4)
  AND (
      o.id::text = $2
      OR EXISTS (SELECT 1 FROM credentials c WHERE c.organization_id = o.id AND c.id = $2)
      OR NOT EXISTS (
          SELECT 1 FROM unnest(q.words) AS w
          WHERE NOT (o.search_name LIKE '%' || w || '%' OR w <% o.search_name)
      )
  )
ORDER BY (o.id::text = $2 OR EXISTS (SELECT 1 FROM credentials c WHERE c.organization_id = o.id AND c.id = $2)) DESC,
         word_similarity(q.phrase, o.search_name) DESC, o.name, o.id
LIMIT $5
