-- Credential offers of OID4VCI (migration 0021_oid4vci): the SHA-256 of each pre-authorized code, transaction code
-- and access token, never the values; credential_offers.py.

-- name: insert --
INSERT INTO credential_offers (id, credential_id, configuration_ids, code_hash, tx_code_hash, created_at, created_by,
                               expires_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)

-- name: lock_by_code --
-- The offer of a pre-authorized code, locked for the Token Request that presents it (one redemption at a time).
SELECT id, credential_id, configuration_ids, tx_code_hash, tx_code_failures, expires_at, redeemed_at
FROM credential_offers WHERE code_hash = $1
FOR UPDATE

-- name: redeem --
-- Single use: only an unredeemed, unexpired code is exchanged, in one guarded statement.
UPDATE credential_offers SET redeemed_at = $2, access_token_hash = $3, token_expires_at = $4
WHERE id = $1 AND redeemed_at IS NULL AND expires_at > $2
RETURNING id

-- name: count_tx_code_failure --
-- A wrong transaction code; once they reach OID4VCI_TX_CODE_MAX_ATTEMPTS the code is spent (credential_offers.py).
UPDATE credential_offers SET tx_code_failures = tx_code_failures + 1 WHERE id = $1
RETURNING tx_code_failures

-- name: revoke_token --
-- A replayed code revokes the access token it was first exchanged for (RFC 6749 §4.1.2, BCP 240 §4.5).
UPDATE credential_offers SET token_expires_at = least(token_expires_at, $2) WHERE id = $1

-- name: by_access_token --
SELECT id, credential_id, configuration_ids FROM credential_offers
WHERE access_token_hash = $1 AND token_expires_at > $2

-- name: record_delivery --
INSERT INTO wallet_deliveries (offer_id, configuration_id, copy_id, delivered_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (offer_id, configuration_id) DO NOTHING
RETURNING copy_id

-- name: lock_offer --
SELECT id FROM credential_offers WHERE id = $1 FOR UPDATE
