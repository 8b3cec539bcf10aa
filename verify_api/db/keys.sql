-- Signing-key rotation and compromise; key_repository.py loads these at import.

-- name: retire_signing_key --
UPDATE signing_keys SET retired_at = $2 WHERE kid = $1 AND retired_at IS NULL
RETURNING kid

-- name: register_signing_key --
INSERT INTO signing_keys (kid, public_key_multibase, created_at) VALUES ($1, $2, $3)

-- name: mark_signing_key_compromised --
UPDATE signing_keys
SET compromised_since = least(coalesce(compromised_since, $2), $2), retired_at = coalesce(retired_at, $3)
WHERE kid = $1
RETURNING kid, public_key_multibase, created_at, retired_at, compromised_since

-- name: list_credentials_signed_by_key --
SELECT id, tier, subject_name, status, issued_at FROM credentials
WHERE signing_key_id = $1 AND kind = 'certification' ORDER BY issued_at, id
