-- The register: PAI certifications (kind 'certification') and VC API entries (kind 'vc_api'), their status, codes
-- and successors; credentials.py loads these at import. Register records are joined with the key that signed them,
-- as the one judgement (domain/verdict.py) reads them; lists of records leave the signed document empty
-- (`''::bytea`: the judgement never reads it), `get` is the way to the document.

-- name: insert --
-- Columns in the order of NewCredential's fields (db/records.py), which the store passes positionally.
INSERT INTO credentials (
    document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list, suspension_index,
    id, tier, holder_id, organization_id, subject_name, verification_code, valid_from, valid_until,
    predecessor_id, issued_at, issued_by, kind, document_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)

-- name: get --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, c.document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id WHERE c.id = $1 AND c.kind = 'certification'

-- name: get_vc_api --
SELECT c.id, c.document_id, c.valid_from, c.valid_until, c.status, c.status_reason, c.status_changed_at, c.document,
       c.cryptosuite, c.signing_key_id, c.revocation_list, c.revocation_index, c.suspension_list, c.suspension_index,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id WHERE c.id = $1 AND c.kind = 'vc_api'

-- name: find_vc_api_ids --
SELECT id FROM credentials WHERE document_id = $1 AND kind = 'vc_api' ORDER BY issued_at, id LIMIT 100

-- name: find_by_status_entry --
-- The register entry a status entry points at: every slot belongs to exactly one credential of either kind.
SELECT id, kind FROM credentials
WHERE ($2 = 'revocation' AND revocation_list = $1 AND revocation_index = $3)
   OR ($2 = 'suspension' AND suspension_list = $1 AND suspension_index = $3)

-- name: id_by_code --
SELECT id FROM credentials WHERE verification_code = $1

-- name: summaries_for_holder --
SELECT id, tier, status, valid_from, valid_until FROM credentials WHERE holder_id = $1 ORDER BY issued_at

-- name: summaries_for_organization --
SELECT id, tier, status, valid_from, valid_until FROM credentials WHERE organization_id = $1 ORDER BY issued_at

-- name: holder_records --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.holder_id = $1 ORDER BY c.issued_at, c.id

-- name: organization_records --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.organization_id = ANY($1::uuid[]) ORDER BY c.issued_at DESC, c.id

-- name: organization_records_in_suspension_list --
-- The credentials on a suspension list whose state the organisation rules can change with time alone.
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at, c.suspension_index
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.suspension_list = $1 AND c.organization_id IS NOT NULL AND c.status IN ('active', 'suspended')

-- name: prerequisite_states --
SELECT c.tier, c.status, c.status_reason, c.status_changed_at, c.valid_until
FROM credentials c
WHERE c.holder_id = $1 AND c.tier = $2 AND c.status <> 'superseded'
ORDER BY c.issued_at DESC

-- name: status --
SELECT status FROM credentials WHERE id = $1

-- name: transition --
UPDATE credentials
SET status = $2, status_reason = $3, status_note = $4, status_changed_at = $5
WHERE id = $1 AND status = ANY($6::text[])
RETURNING id, revocation_list, suspension_list

-- name: supersede_lapsed --
-- Superseded credentials are marked in the published revocation list, so the change bumps its lists' versions in
-- the same statement (a cached list is never stale once the API has answered).
WITH superseded AS (
    UPDATE credentials SET status = 'superseded', status_changed_at = $3, status_reason = 'lapsed_reissued'
    WHERE id = $1 AND status = 'active' AND valid_until <= $2
    RETURNING id, revocation_list, suspension_list
), bumped AS (
    UPDATE status_lists SET version = version + 1, updated_at = $3
    WHERE id IN (SELECT revocation_list FROM superseded UNION SELECT suspension_list FROM superseded)
)
SELECT id FROM superseded

-- name: successor_of --
SELECT id FROM credentials WHERE predecessor_id = $1

-- name: newest_in_chain --
WITH RECURSIVE chain (id, depth) AS (
    SELECT $1::text, 0
    UNION ALL
    SELECT c.id, chain.depth + 1 FROM credentials c JOIN chain ON c.predecessor_id = chain.id WHERE chain.depth < 1000
)
SELECT id FROM chain ORDER BY depth DESC LIMIT 1

-- name: link_reissued --
UPDATE credentials SET predecessor_id = $2 WHERE id = $1 AND predecessor_id IS NULL
RETURNING id

-- name: signed_by --
-- Under any kid of the key: one per DID it was published under (PUBLIC_BASE_URL changed).
SELECT id, tier, subject_name, status, issued_at FROM credentials
WHERE signing_key_id IN (SELECT k.kid FROM signing_keys k JOIN signing_keys named USING (public_key_multibase)
                         WHERE named.kid = $1)
  AND kind = 'certification'
ORDER BY issued_at, id

-- name: in_compromised_window --
-- What `keys compromise` marks: current credentials the key signed at or after the compromise began (by the
-- register's issued_at, never a proof's claim), locked so a concurrent status change waits for the declaration.
SELECT id FROM credentials
WHERE signing_key_id IN (SELECT k.kid FROM signing_keys k JOIN signing_keys named USING (public_key_multibase)
                         WHERE named.kid = $1)
  AND issued_at >= $2 AND status IN ('active', 'suspended')
ORDER BY issued_at, id
FOR UPDATE

-- name: compromised_without_successor --
-- Certifications revoked for a key compromise that `keys reissue` has not yet replaced (VC API entries and wallet
-- copies are the client's or the wallet's to ask for again: they have no tier rule to re-issue under).
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.cryptosuite, c.issued_at
FROM credentials c
WHERE c.status = 'revoked' AND c.status_reason = 'key_compromise' AND c.kind = 'certification'
  AND NOT EXISTS (SELECT 1 FROM credentials n WHERE n.predecessor_id = c.id)
ORDER BY CASE c.tier WHEN 'AIDA' THEN 0 WHEN 'CPAP' THEN 1 WHEN 'CPAA' THEN 2 WHEN 'CAI' THEN 3 ELSE 4 END,
         c.issued_at, c.id

-- name: insert_many --
-- Register rows in one statement (bulk issuance), one array per column in the order of NewCredential's fields. A
-- verification code already taken skips its row (returned ids are the rows written; the caller draws a new code,
-- which is not in the signed document); any other constraint still refuses the statement.
INSERT INTO credentials (
    document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list, suspension_index,
    id, tier, holder_id, organization_id, subject_name, verification_code, valid_from, valid_until,
    predecessor_id, issued_at, issued_by, kind, document_id)
SELECT * FROM unnest($1::bytea[], $2::text[], $3::text[], $4::text[], $5::int[], $6::text[], $7::int[], $8::text[],
                     $9::text[], $10::uuid[], $11::uuid[], $12::text[], $13::text[], $14::timestamptz[],
                     $15::timestamptz[], $16::text[], $17::timestamptz[], $18::uuid[], $19::text[], $20::text[])
ON CONFLICT ON CONSTRAINT credentials_verification_code_key DO NOTHING
RETURNING id
