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
SELECT id, kind, outcome, assessed_at, details FROM assessments WHERE holder_id = $1 ORDER BY assessed_at

-- name: list_organization_assessments --
SELECT id, kind, outcome, assessed_at, details FROM assessments WHERE organization_id = $1 ORDER BY assessed_at

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

-- name: current_status_list --
SELECT id, purpose, size, created_at FROM status_lists WHERE purpose = $1 ORDER BY created_at DESC, id LIMIT 1

-- name: count_status_list_slots --
-- Each branch can use its (list, index) unique index, and the count stops at $3: it only has to tell whether the
-- list is half full. (A CASE over the column kept PostgreSQL from using either index.)
SELECT count(*) AS n FROM (
    SELECT 1 FROM credentials WHERE $2 = 'revocation' AND revocation_list = $1
    UNION ALL
    SELECT 1 FROM credentials WHERE $2 = 'suspension' AND suspension_list = $1
    LIMIT $3
) AS slots

-- name: insert_status_list --
INSERT INTO status_lists (id, purpose, size, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
RETURNING id, purpose, size, created_at

-- name: insert_credential --
INSERT INTO credentials (
    id, tier, holder_id, organization_id, subject_name, verification_code, valid_from, valid_until,
    document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list, suspension_index,
    predecessor_id, issued_at, issued_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)

-- name: get_credential --
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, c.document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id WHERE c.id = $1

-- name: get_credential_id_by_code --
SELECT id FROM credentials WHERE verification_code = $1

-- name: insert_idempotency_key --
INSERT INTO idempotency_keys (client_id, key, request_hash, credential_id, created_at) VALUES ($1, $2, $3, $4, $5)

-- name: get_idempotency_key --
SELECT request_hash, credential_id FROM idempotency_keys WHERE client_id = $1 AND key = $2

-- name: insert_event --
INSERT INTO events (occurred_at, kind, credential_id, organization_id, actor, data) VALUES ($1, $2, $3, $4, $5, $6)

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
