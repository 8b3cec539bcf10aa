-- The register's signing keys: their service windows, rotation and compromise; signing_keys.py loads these.

-- name: upsert --
INSERT INTO signing_keys (kid, public_key_multibase, created_at)
VALUES ($1, $2, $3)
ON CONFLICT (kid) DO NOTHING

-- name: insert --
INSERT INTO signing_keys (kid, public_key_multibase, created_at) VALUES ($1, $2, $3)

-- name: list_all --
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM signing_keys ORDER BY created_at

-- name: get --
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM signing_keys WHERE kid = $1

-- name: lock --
-- Read before signing, inside the issuing transaction: a rotation or compromise waits until this issuance commits.
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM signing_keys WHERE kid = $1 FOR SHARE

-- name: retire --
UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL
RETURNING kid

-- name: mark_compromised --
UPDATE signing_keys
SET compromised_since = least(coalesce(compromised_since, $2), $2), retired_at = coalesce(retired_at, $3)
WHERE kid = $1
RETURNING kid, public_key_multibase, created_at, retired_at, compromised_since
