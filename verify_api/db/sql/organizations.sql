-- Organisations and their staff links, and what the organisation rules and the registry read about them;
-- organizations.py loads these at import.

-- name: insert --
INSERT INTO organizations (id, name, kind, website, country, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, name, kind, website, country, created_at

-- name: get --
SELECT id, name, kind, website, country, created_at FROM organizations WHERE id = $1

-- name: link_staff --
INSERT INTO organization_staff (organization_id, holder_id, role, linked_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT ON CONSTRAINT organization_staff_pkey
    DO UPDATE SET role = EXCLUDED.role, unlinked_at = NULL,
                  linked_at = CASE WHEN organization_staff.unlinked_at IS NULL THEN organization_staff.linked_at
                                   ELSE EXCLUDED.linked_at END
RETURNING organization_id, holder_id, role, linked_at

-- name: unlink_staff --
UPDATE organization_staff SET unlinked_at = $3
WHERE organization_id = $1 AND holder_id = $2 AND unlinked_at IS NULL
RETURNING organization_id

-- name: organizations_of_holder --
SELECT organization_id FROM organization_staff WHERE holder_id = $1

-- name: staff_aida --
-- Every staff link of the organisation (ended ones too: the rules date a shortfall from them), with each AIDA the
-- person holds, or NULL credential columns when they hold none. The judgement never reads the signed document, so
-- it is left empty (`''::bytea`).
SELECT s.holder_id AS staff_holder_id, s.linked_at AS staff_linked_at, s.unlinked_at AS staff_unlinked_at,
       c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM organization_staff s
LEFT JOIN credentials c ON c.holder_id = s.holder_id AND c.tier = 'AIDA'
LEFT JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE s.organization_id = $1
ORDER BY s.holder_id, c.issued_at, c.id

-- name: current_credential --
SELECT id, tier, status, status_reason, valid_until, issued_at
FROM credentials WHERE organization_id = $1 AND status IN ('active', 'suspended')
ORDER BY issued_at DESC LIMIT 1

-- name: certified_organizations --
SELECT DISTINCT organization_id FROM credentials
WHERE organization_id IS NOT NULL AND status IN ('active', 'suspended')

-- Registry search: organisations with at least one credential, matched word by word against the folded
-- name (registry_fold: lower case, no accents; migration 0005_registry_search). Each query word must occur in the
-- name, as a substring (partial words) or as a close trigram match (`<%`, word_similarity above
-- pg_trgm.word_similarity_threshold, 0.6 by default: one typo in a word of five or more letters). Word order does
-- not matter. An organisation or credential id matches exactly. Filters narrow by designation and country. Rows
-- come best match first. Whether an organisation is certified is not decided here: the service asks the judgement.

-- name: search --
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
