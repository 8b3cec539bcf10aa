-- Staff listings (issue 11): keyset pages over the register, the subjects with evidence on record, and the
-- certified organisations; listings.py loads these at import. Nothing here decides validity, standing or whether a
-- tier is earned: the statements narrow the candidates and the services ask the one judgement, the organisation
-- rules and the tier rules about each.

-- name: credential_page --
-- Certifications newest first, after the (issued_at, id) position $10/$11. Filters: $1 tier, $2 organisation, $3
-- holder, $4..$5 issued in [from, before), $6..$7 validUntil in [from, before), $8 the stored statuses a wanted
-- judged status can come from (NULL: any), $9 whether entries signed outside their key's window (judged revoked
-- whatever is stored) come too. Records carry an empty document (the judgement never reads it).
SELECT c.id, c.tier, c.holder_id, c.organization_id, c.subject_name, c.verification_code, c.valid_from, c.valid_until,
       c.status, c.status_reason, c.status_changed_at, ''::bytea AS document, c.cryptosuite, c.signing_key_id, c.predecessor_id,
       c.issued_at, k.public_key_multibase AS key_multibase, k.compromised_since AS key_compromised_since,
       k.created_at AS key_created_at, k.retired_at AS key_retired_at
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.kind = 'certification'
  AND ($1::text IS NULL OR c.tier = $1::text)
  AND ($2::uuid IS NULL OR c.organization_id = $2::uuid)
  AND ($3::uuid IS NULL OR c.holder_id = $3::uuid)
  AND ($4::timestamptz IS NULL OR c.issued_at >= $4::timestamptz)
  AND ($5::timestamptz IS NULL OR c.issued_at < $5::timestamptz)
  AND ($6::timestamptz IS NULL OR c.valid_until >= $6::timestamptz)
  AND ($7::timestamptz IS NULL OR c.valid_until < $7::timestamptz)
  AND ($8::text[] IS NULL OR c.status = ANY($8::text[])
       OR ($9::boolean AND (k.compromised_since IS NOT NULL OR k.retired_at IS NOT NULL OR c.issued_at < k.created_at)))
  AND ($10::timestamptz IS NULL OR (c.issued_at, c.id) < ($10::timestamptz, $11::text))
ORDER BY c.issued_at DESC, c.id DESC
LIMIT $12

-- name: pending_candidates --
-- Subjects with evidence on record (an assessment not invalidated), the longest waiting first (by their first such
-- assessment), from the (first_recorded, subject_id) position $2/$3 on (inclusive: the page may have stopped
-- between the tiers of that subject); with the tiers they hold a current (active
-- or suspended, unexpired) credential of, so the service can skip a subject with nothing left to earn.
WITH subjects AS (
    SELECT a.holder_id, a.organization_id, coalesce(a.holder_id, a.organization_id) AS subject_id,
           min(a.recorded_at) AS first_recorded
    FROM assessments a
    WHERE a.invalidated_at IS NULL
    GROUP BY a.holder_id, a.organization_id
)
SELECT s.holder_id, s.organization_id, s.subject_id, s.first_recorded,
       coalesce(h.display_name, o.name) AS subject_name, o.kind AS organization_kind,
       array(SELECT c.tier FROM credentials c
             WHERE ((s.holder_id IS NOT NULL AND c.holder_id = s.holder_id)
                    OR (s.organization_id IS NOT NULL AND c.organization_id = s.organization_id))
               AND c.status IN ('active', 'suspended') AND c.valid_until > $1::timestamptz) AS current_tiers
FROM subjects s
LEFT JOIN holders h ON h.id = s.holder_id
LEFT JOIN organizations o ON o.id = s.organization_id
WHERE $2::timestamptz IS NULL OR (s.first_recorded, s.subject_id) >= ($2::timestamptz, $3::uuid)
ORDER BY s.first_recorded, s.subject_id
LIMIT $4

-- name: certified_organization_page --
-- Organisations with a current (active or suspended) certification, by name, after the (name, id) position $1/$2.
SELECT o.id, o.name, o.kind, o.country, o.website
FROM organizations o
WHERE EXISTS (SELECT 1 FROM credentials c WHERE c.organization_id = o.id AND c.status IN ('active', 'suspended'))
  AND ($1::text IS NULL OR (o.name, o.id) > ($1::text, $2::uuid))
ORDER BY o.name, o.id
LIMIT $3
