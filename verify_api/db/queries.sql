-- Every SQL statement the service runs, as named blocks; queries.py loads them at import.

-- name: insert_holder --
INSERT INTO holders (id, display_name, email, public_listing, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, display_name, email, public_listing, created_at

-- name: get_holder --
SELECT id, display_name, email, public_listing, created_at FROM holders WHERE id = $1

-- name: insert_organization --
INSERT INTO organizations (id, name, kind, website, country, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, name, kind, website, country, created_at

-- name: get_organization --
SELECT id, name, kind, website, country, created_at FROM organizations WHERE id = $1

-- name: insert_staff_link --
INSERT INTO organization_staff (organization_id, holder_id, role, linked_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT ON CONSTRAINT organization_staff_pkey
    DO UPDATE SET role = EXCLUDED.role, unlinked_at = NULL,
                  linked_at = CASE WHEN organization_staff.unlinked_at IS NULL THEN organization_staff.linked_at
                                   ELSE EXCLUDED.linked_at END
RETURNING organization_id, holder_id, role, linked_at

-- name: insert_assessment --
INSERT INTO assessments (id, kind, holder_id, organization_id, outcome, assessed_at, details, recorded_by, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id, kind, holder_id, organization_id, outcome, assessed_at, details, recorded_at

-- name: list_holder_assessments --
SELECT id, kind, outcome, assessed_at, details, invalidated_at, invalidated_reason
FROM assessments WHERE holder_id = $1 ORDER BY assessed_at

-- name: list_organization_assessments --
SELECT id, kind, outcome, assessed_at, details, invalidated_at, invalidated_reason
FROM assessments WHERE organization_id = $1 ORDER BY assessed_at

-- name: link_credential_assessments --
INSERT INTO credential_assessments (credential_id, assessment_id) SELECT $1, unnest($2::uuid[])

-- name: invalidate_credential_assessments --
-- The evidence behind a credential revoked for cause: never again counted by the tier rules.
UPDATE assessments a SET invalidated_at = $2, invalidated_reason = $3, invalidated_with = $1
FROM credential_assessments ca
WHERE ca.credential_id = $1 AND ca.assessment_id = a.id AND a.invalidated_at IS NULL
RETURNING a.id

-- name: list_holder_credentials --
SELECT id, tier, status, valid_from, valid_until FROM credentials WHERE holder_id = $1 ORDER BY issued_at

-- name: list_organization_credentials --
SELECT id, tier, status, valid_from, valid_until FROM credentials WHERE organization_id = $1 ORDER BY issued_at

-- name: supersede_lapsed_credential --
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

-- name: upsert_signing_key --
INSERT INTO signing_keys (kid, public_key_multibase, created_at)
VALUES ($1, $2, $3)
ON CONFLICT (kid) DO NOTHING

-- name: list_signing_keys --
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM signing_keys ORDER BY created_at

-- name: get_signing_key --
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM signing_keys WHERE kid = $1

-- name: lock_signing_key --
-- Read before signing, inside the issuing transaction: a rotation or compromise waits until this issuance commits.
SELECT kid, public_key_multibase, created_at, retired_at, compromised_since FROM signing_keys WHERE kid = $1 FOR SHARE

-- name: current_status_list --
-- The list new slots come from: one with room first (two lists opened in the same instant stay ordered), newest.
SELECT id, purpose, size, created_at, allocated FROM status_lists WHERE purpose = $1
ORDER BY (allocated * 2 < size) DESC, created_at DESC, id LIMIT 1

-- name: lock_status_list_opening --
-- One opener per purpose at a time (held to commit), so concurrent first issuances share one new list.
SELECT pg_advisory_xact_lock(hashtext('pai-verify status list opening'), hashtext($1))

-- name: free_status_indexes --
-- Which of the candidate indexes ($3) no credential holds in list $1: one index probe per candidate, no count.
SELECT i AS idx FROM unnest($3::int[]) WITH ORDINALITY AS candidate (i, n)
WHERE NOT EXISTS (SELECT 1 FROM credentials WHERE $2 = 'revocation' AND revocation_list = $1 AND revocation_index = i)
  AND NOT EXISTS (SELECT 1 FROM credentials WHERE $2 = 'suspension' AND suspension_list = $1 AND suspension_index = i)
ORDER BY n

-- name: lock_status_slot --
-- A transaction-scoped claim on (list, index): a concurrent issuance that drew the same free index moves on
-- instead of colliding at insert time (after it has signed).
SELECT pg_try_advisory_xact_lock(hashtext($1), $2)

-- name: status_slot_taken --
SELECT EXISTS (SELECT 1 FROM credentials WHERE $2 = 'revocation' AND revocation_list = $1 AND revocation_index = $3)
    OR EXISTS (SELECT 1 FROM credentials WHERE $2 = 'suspension' AND suspension_list = $1 AND suspension_index = $3)

-- name: bump_status_list_allocation --
UPDATE status_lists SET allocated = allocated + 1 WHERE id = $1

-- name: insert_status_list --
INSERT INTO status_lists (id, purpose, size, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
RETURNING id, purpose, size, created_at, allocated

-- name: insert_credential --
INSERT INTO credentials (
    id, tier, holder_id, organization_id, subject_name, verification_code, valid_from, valid_until,
    document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list, suspension_index,
    predecessor_id, issued_at, issued_by, kind, document_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)

-- name: get_credential --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, c.document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id WHERE c.id = $1 AND c.kind = 'certification'

-- name: get_vc_api_credential --
SELECT c.id, c.document_id, c.valid_from, c.valid_until, c.status, c.status_reason, c.status_changed_at, c.document,
       c.cryptosuite, c.signing_key_id, c.revocation_list, c.revocation_index, c.suspension_list, c.suspension_index,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id WHERE c.id = $1 AND c.kind = 'vc_api'

-- name: find_vc_api_credential_id --
SELECT id FROM credentials WHERE document_id = $1 AND kind = 'vc_api' ORDER BY issued_at, id LIMIT 100

-- name: find_credential_id_by_status_entry --
-- The register entry a status entry points at: every slot belongs to exactly one credential of either kind.
SELECT id, kind FROM credentials
WHERE ($2 = 'revocation' AND revocation_list = $1 AND revocation_index = $3)
   OR ($2 = 'suspension' AND suspension_list = $1 AND suspension_index = $3)

-- name: get_credential_id_by_code --
SELECT id FROM credentials WHERE verification_code = $1

-- name: insert_idempotency_key --
INSERT INTO idempotency_keys (client_id, key, request_hash, credential_id, created_at) VALUES ($1, $2, $3, $4, $5)

-- name: get_idempotency_key --
SELECT request_hash, credential_id FROM idempotency_keys WHERE client_id = $1 AND key = $2

-- name: insert_api_client --
INSERT INTO api_clients (id, name, key_prefix, secret_hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5, $6)

-- name: get_api_client_by_prefix --
SELECT id, name, secret_hash, scopes FROM api_clients WHERE key_prefix = $1 AND revoked_at IS NULL

-- name: search_organizations --
SELECT o.id, o.name, o.kind, o.country, o.website
FROM organizations o
WHERE ($1 = '' OR o.name ILIKE '%' || $1 || '%')
  AND EXISTS (SELECT 1 FROM credentials c WHERE c.organization_id = o.id)
ORDER BY o.name, o.id
LIMIT $2

-- name: ping --
SELECT 1
