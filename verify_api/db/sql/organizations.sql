-- Organisations and their staff links, and what the organisation rules and the registry read about them;
-- organizations.py loads these at import.

-- name: insert --
INSERT INTO organizations (id, name, kind, website, country, created_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id, name, kind, website, country, created_at

-- name: get --
SELECT id, name, kind, website, country, created_at FROM organizations WHERE id = $1

-- name: link_staff --
INSERT INTO organization_staff (organization_id, holder_id, role, linked_at)
VALUES ($1, $2, $3, $4)
ON CONFLICT ON CONSTRAINT organization_staff_pkey
    DO UPDATE SET role = EXCLUDED.role, unlinked_at = NULL,
                  linked_at = CASE WHEN organization_staff.unlinked_at IS NULL THEN organization_staff.linked_at
                                   ELSE EXCLUDED.linked_at END
RETURNING organization_id, holder_id, role, linked_at

-- name: unlink_staff --
UPDATE organization_staff SET unlinked_at = $3
WHERE organization_id = $1 AND holder_id = $2 AND unlinked_at IS NULL
RETURNING organization_id

-- name: organizations_of_holder --
SELECT organization_id FROM organization_staff WHERE holder_id = $1

-- name: staff_aida --
-- Every staff link of the organisation (ended ones too: the rules date a shortfall from them), with each AIDA the
-- person holds, or NULL credential columns when they hold none. The judgement never reads the signed document, so
-- it is left empty (`''::bytea`).
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

-- name: current_credential --
SELECT id, tier, status, status_reason, valid_until, issued_at
FROM credentials WHERE organization_id = $1 AND status IN ('active', 'suspended')
ORDER BY issued_at DESC LIMIT 1

-- name: certified_organizations --
SELECT DISTINCT organization_id FROM credentials
WHERE organization_id IS NOT NULL AND status IN ('active', 'suspended')

-- name: search --
SELECT o.id, o.name, o.kind, o.country, o.website
FROM organizations o
WHERE ($1 = '' OR o.name ILIKE '%' || $1 || '%')
  AND EXISTS (SELECT 1 FROM credentials c WHERE c.organization_id = o.id)
ORDER BY o.name, o.id
LIMIT $2
