-- c_nonce values of the OID4VCI Nonce Endpoint (migration 0021_oid4vci), by SHA-256; issuance_nonces.py.

-- name: insert --
INSERT INTO issuance_nonces (nonce_hash, expires_at) VALUES ($1, $2)

-- name: consume --
-- A nonce proves freshness once: the Credential Request that uses it deletes it.
DELETE FROM issuance_nonces WHERE nonce_hash = $1 AND expires_at > $2 RETURNING nonce_hash

-- name: delete_expired --
DELETE FROM issuance_nonces WHERE expires_at <= $1
