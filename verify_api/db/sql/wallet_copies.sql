-- Wallet copies in the register (credentials rows of kind 'wallet_copy', migration 0021_oid4vci); wallet_copies.py.

-- name: insert --
INSERT INTO credentials (
    document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list, suspension_index,
    id, subject_name, valid_from, valid_until, issued_at, issued_by, kind, document_id, status_of)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', $9, $10, $11, $12, 'wallet_copy', $13, $14)

-- name: find_by_document_id --
-- The wallet copy a presented credential's `id` names, with the key that signed it (the copy's own window).
SELECT c.id, c.status_of, c.document, c.cryptosuite, c.signing_key_id, c.issued_at,
       k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.document_id = $1 AND c.kind = 'wallet_copy'
ORDER BY c.issued_at, c.id LIMIT 1
