-- Holders' privacy choices (migration 0016_holders_privacy); holder_privacy.py.

-- name: account --
SELECT public_listing, indexable FROM holders WHERE id = $1

-- name: lock_account --
SELECT public_listing, indexable FROM holders WHERE id = $1 FOR UPDATE

-- name: set_account --
UPDATE holders SET public_listing = $2, indexable = $3 WHERE id = $1

-- name: credential_choices --
-- Every PAI certification of the holder, oldest first, with its choices (no row: as the account says).
SELECT c.id AS credential_id, coalesce(p.listed, true) AS listed, coalesce(p.indexable, true) AS indexable
FROM credentials c LEFT JOIN credential_privacy p ON p.credential_id = c.id
WHERE c.holder_id = $1 AND c.kind = 'certification'
ORDER BY c.issued_at, c.id

-- name: set_credential --
INSERT INTO credential_privacy (credential_id, listed, indexable, updated_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (credential_id) DO UPDATE SET listed = $2, indexable = $3, updated_at = $4

-- name: page_indexable --
-- May search engines index this credential's page: the holder's account choice and the credential's.
SELECT h.indexable AND coalesce(p.indexable, true)
FROM credentials c JOIN holders h ON h.id = c.holder_id LEFT JOIN credential_privacy p ON p.credential_id = c.id
WHERE c.id = $1
