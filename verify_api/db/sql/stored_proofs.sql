-- The signed documents of the register's certifications with the key each names, for `verify-api audit verify`
-- (services.stored_proofs); stored_proofs.py loads these at import.

-- name: page --
SELECT c.id, c.document, c.signing_key_id, k.public_key_multibase AS key_multibase
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.kind = 'certification' AND c.id > $1
ORDER BY c.id LIMIT $2
