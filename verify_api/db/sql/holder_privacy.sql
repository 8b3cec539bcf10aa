-- Holders' privacy choices (migration 0017_holders_privacy); holder_privacy.py.

-- name: account --
SELECT public_listing, indexable FROM holders WHERE id = $1

-- name: lock_account --
SELECT public_listing, indexable FROM holders WHERE id = $1 FOR UPDATE

-- name: set_account --
UPDATE holders SET public_listing = $2, indexable = $3 WHERE id = $1

-- name: credential_choices --
-- Every PAI certification of the holder, oldest first, with its choices: its own, else the nearest predecessor's (a
-- renewal or re-issue keeps what the holder chose for the credential it replaces), else listed and indexable.
WITH RECURSIVE chain AS (
    SELECT c.id AS credential_id, c.id AS ancestor, c.predecessor_id, 0 AS depth
    FROM credentials c WHERE c.holder_id = $1 AND c.kind = 'certification'
    UNION ALL
    SELECT chain.credential_id, a.id, a.predecessor_id, chain.depth + 1
    FROM chain JOIN credentials a ON a.id = chain.predecessor_id
    WHERE chain.depth < 100
), chosen AS (
    SELECT DISTINCT ON (chain.credential_id) chain.credential_id, p.listed, p.indexable
    FROM chain LEFT JOIN credential_privacy p ON p.credential_id = chain.ancestor
    ORDER BY chain.credential_id, p.credential_id IS NULL, chain.depth
)
SELECT c.id AS credential_id, coalesce(ch.listed, true) AS listed, coalesce(ch.indexable, true) AS indexable
FROM credentials c JOIN chosen ch ON ch.credential_id = c.id
ORDER BY c.issued_at, c.id

-- name: set_credential --
INSERT INTO credential_privacy (credential_id, listed, indexable, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (credential_id) DO UPDATE SET listed = $2, indexable = $3, updated_at = $4

-- name: page_indexable --
-- May search engines index this credential's page: the holder's account choice and the credential's (its own, else
-- the nearest predecessor's, as credential_choices).
WITH RECURSIVE chain AS (
    SELECT c.id AS ancestor, c.predecessor_id, 0 AS depth FROM credentials c WHERE c.id = $1
    UNION ALL
    SELECT a.id, a.predecessor_id, chain.depth + 1
    FROM chain JOIN credentials a ON a.id = chain.predecessor_id
    WHERE chain.depth < 100
)
SELECT h.indexable AND coalesce(
    (SELECT p.indexable FROM chain JOIN credential_privacy p ON p.credential_id = chain.ancestor
     ORDER BY chain.depth LIMIT 1), true)
FROM credentials c JOIN holders h ON h.id = c.holder_id
WHERE c.id = $1
