-- The register's signing keys: their service windows, rotation and compromise; signing_keys.py loads these.

-- name: upsert --
-- A key already known under another DID (PUBLIC_BASE_URL changed) is registered under this one with its window
-- as it stands: created when it was first, retired or compromised if it is.
INSERT INTO signing_keys (kid, public_key_multibase, created_at, retired_at, compromised_since)
SELECT $1, $2, coalesce(min(created_at), $3), min(retired_at), min(compromised_since)
FROM signing_keys WHERE public_key_multibase = $2
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
-- Every kid of the key (one per DID it was published under) shares its window.
UPDATE signing_keys SET retired_at = $2
WHERE public_key_multibase = (SELECT public_key_multibase FROM signing_keys WHERE kid = $1) AND retired_at IS NULL
RETURNING kid

-- name: mark_compromised --
-- Every kid of the key (one per DID it was published under) is compromised with it; the row of `kid` is returned.
WITH marked AS (
    UPDATE signing_keys
    SET compromised_since = least(coalesce(compromised_since, $2), $2), retired_at = coalesce(retired_at, $3)
    WHERE public_key_multibase = (SELECT public_key_multibase FROM signing_keys WHERE kid = $1)
    RETURNING kid, public_key_multibase, created_at, retired_at, compromised_since
)
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM marked WHERE kid = $1
