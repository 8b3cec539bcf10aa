-- Register entries as the one judgement (domain/verdict.py) reads them: each credential joined with the key that
-- signed it. register_repository.py loads these at import. The judgement never reads the signed document, so these
-- lists leave it empty (`''::bytea`); `Repository.get_credential` is the way to the document.

-- name: list_holder_credential_records --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.holder_id = $1 ORDER BY c.issued_at, c.id

-- name: list_organization_credential_records --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.organization_id = ANY($1::uuid[]) ORDER BY c.issued_at DESC, c.id

-- name: staff_aida_records --
-- Every staff link of the organisation (ended ones too: the rules date a shortfall from them), with each AIDA the
-- person holds, or NULL credential columns when they hold none.
SELECT s.holder_id AS staff_holder_id, s.linked_at AS staff_linked_at, s.unlinked_at AS staff_unlinked_at,
       c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM organization_staff s
LEFT JOIN credentials c ON c.holder_id = s.holder_id AND c.tier = 'AIDA'
LEFT JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE s.organization_id = $1
ORDER BY s.holder_id, c.issued_at, c.id

-- name: organization_credentials_in_suspension_list --
-- The credentials on a suspension list whose state the organisation rules can change with time alone.
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at, c.suspension_index
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.suspension_list = $1 AND c.organization_id IS NOT NULL AND c.status IN ('active', 'suspended')

-- name: credentials_in_compromised_window --
-- What `keys compromise` marks: current credentials the key signed at or after the compromise began (by the
-- register's issued_at, never a proof's claim), locked so a concurrent status change waits for the declaration.
SELECT id FROM credentials
WHERE signing_key_id = $1 AND issued_at >= $2 AND status IN ('active', 'suspended')
ORDER BY issued_at, id
FOR UPDATE

-- name: compromised_without_successor --
-- Credentials revoked for a key compromise that `keys reissue` has not yet replaced.
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.cryptosuite, c.issued_at
FROM credentials c
WHERE c.status = 'revoked' AND c.status_reason = 'key_compromise'
  AND NOT EXISTS (SELECT 1 FROM credentials n WHERE n.predecessor_id = c.id)
ORDER BY CASE c.tier WHEN 'AIDA' THEN 0 WHEN 'CPAP' THEN 1 WHEN 'CPAA' THEN 2 WHEN 'CAI' THEN 3 ELSE 4 END,
         c.issued_at, c.id

-- name: link_reissued_credential --
UPDATE credentials SET predecessor_id = $2 WHERE id = $1 AND predecessor_id IS NULL
RETURNING id
