-- The public lookup's one statement (issue 10): everything the judgement and the public view of a person's
-- certification read, in one round trip; lookups.py loads these at import. The register row joined with its key,
-- the newest prerequisite credential of the holder (for the notices; `$2`/`$3` are the tier -> builds-on table of
-- domain.tiers, passed in so the SQL does not restate it), and for a superseded credential its successor and the
-- newest credential of its chain. The signed document is left out (`''::bytea`): the view never reads it. The
-- prerequisite is looked for only for a tier that builds on one (`c.tier = ANY ($2)`, a one-time filter of the
-- subquery), so a lookup of any other (an AIDA, the commonest) scans nothing for it; likewise the successors are
-- looked for only for a superseded credential (`WHERE c.status = 'superseded'` inside, kept there by `OFFSET 0`:
-- a one-time filter, where a join filter would run both subqueries first and then drop their rows).
-- An organisation's standing (CAI staff, CAE governance) is read after it, only for organisations' credentials.

-- name: by_id --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id,
       c.predecessor_id, c.issued_at, k.public_key_multibase AS key_multibase,
       k.compromised_since AS key_compromised_since, k.created_at AS key_created_at, k.retired_at AS key_retired_at,
       p.found AS prerequisite_found, p.status AS prerequisite_status, p.status_reason AS prerequisite_reason,
       p.status_changed_at AS prerequisite_changed_at, p.valid_until AS prerequisite_valid_until,
       s.successor_id, s.newest_id
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
LEFT JOIN LATERAL (
    SELECT true AS found, q.status, q.status_reason, q.status_changed_at, q.valid_until
    FROM credentials q
    WHERE c.tier = ANY ($2::text[]) AND q.holder_id = c.holder_id AND q.status <> 'superseded'
      AND q.tier = (SELECT t.builds_on FROM unnest($2::text[], $3::text[]) AS t (tier, builds_on) WHERE t.tier = c.tier)
    ORDER BY q.issued_at DESC LIMIT 1
) p ON c.holder_id IS NOT NULL
LEFT JOIN LATERAL (
    SELECT (SELECT n.id FROM credentials n WHERE n.predecessor_id = c.id LIMIT 1) AS successor_id,
           (WITH RECURSIVE chain (id, depth) AS (
                SELECT c.id, 0
                UNION ALL
                SELECT n.id, chain.depth + 1 FROM credentials n JOIN chain ON n.predecessor_id = chain.id
                WHERE chain.depth < 1000
            ) SELECT chain.id FROM chain ORDER BY chain.depth DESC LIMIT 1) AS newest_id
    WHERE c.status = 'superseded' OFFSET 0
) s ON true
WHERE c.id = $1 AND c.kind = 'certification'

-- name: by_code --
-- The same answer for the newest credential in the chain a verification code was printed for (a renewed badge's
-- code keeps working).
WITH RECURSIVE chain (id, depth) AS (
    SELECT id, 0 FROM credentials WHERE verification_code = $1
    UNION ALL
    SELECT n.id, chain.depth + 1 FROM credentials n JOIN chain ON n.predecessor_id = chain.id WHERE chain.depth < 1000
), newest AS (
    SELECT id FROM chain ORDER BY depth DESC LIMIT 1
)
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id,
       c.predecessor_id, c.issued_at, k.public_key_multibase AS key_multibase,
       k.compromised_since AS key_compromised_since, k.created_at AS key_created_at, k.retired_at AS key_retired_at,
       p.found AS prerequisite_found, p.status AS prerequisite_status, p.status_reason AS prerequisite_reason,
       p.status_changed_at AS prerequisite_changed_at, p.valid_until AS prerequisite_valid_until,
       s.successor_id, s.newest_id
FROM newest JOIN credentials c ON c.id = newest.id JOIN signing_keys k ON k.kid = c.signing_key_id
LEFT JOIN LATERAL (
    SELECT true AS found, q.status, q.status_reason, q.status_changed_at, q.valid_until
    FROM credentials q
    WHERE c.tier = ANY ($2::text[]) AND q.holder_id = c.holder_id AND q.status <> 'superseded'
      AND q.tier = (SELECT t.builds_on FROM unnest($2::text[], $3::text[]) AS t (tier, builds_on) WHERE t.tier = c.tier)
    ORDER BY q.issued_at DESC LIMIT 1
) p ON c.holder_id IS NOT NULL
LEFT JOIN LATERAL (
    SELECT (SELECT n.id FROM credentials n WHERE n.predecessor_id = c.id LIMIT 1) AS successor_id,
           (WITH RECURSIVE chain2 (id, depth) AS (
                SELECT c.id, 0
                UNION ALL
                SELECT n.id, chain2.depth + 1 FROM credentials n JOIN chain2 ON n.predecessor_id = chain2.id
                WHERE chain2.depth < 1000
            ) SELECT chain2.id FROM chain2 ORDER BY chain2.depth DESC LIMIT 1) AS newest_id
    WHERE c.status = 'superseded' OFFSET 0
) s ON true
WHERE c.kind = 'certification'
