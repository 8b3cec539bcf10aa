-- Assessments (the evidence tier rules count) and their links to the credentials they back; assessments.py loads
-- these at import.

-- name: insert --
INSERT INTO assessments (id, kind, holder_id, organization_id, outcome, assessed_at, details, recorded_by, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
RETURNING id, kind, holder_id, organization_id, outcome, assessed_at, details, recorded_at

-- name: list_for_holder --
SELECT id, kind, outcome, assessed_at, details, invalidated_at, invalidated_reason
FROM assessments WHERE holder_id = $1 ORDER BY assessed_at

-- name: list_for_organization --
SELECT id, kind, outcome, assessed_at, details, invalidated_at, invalidated_reason
FROM assessments WHERE organization_id = $1 ORDER BY assessed_at

-- name: latest_governance_record --
SELECT assessed_at, recorded_at, details ->> 'nextReviewDue' AS next_review_due
FROM assessments
WHERE organization_id = $1
  AND ((kind = 'governance_review' AND outcome = 'approved') OR (kind = 'compliance_audit' AND outcome = 'passed'))
ORDER BY assessed_at DESC, recorded_at DESC LIMIT 1

-- name: link_to_credential --
INSERT INTO credential_assessments (credential_id, assessment_id) SELECT $1, unnest($2::uuid[])

-- name: invalidate_for_credential --
-- The evidence behind a credential revoked for cause: never again counted by the tier rules.
UPDATE assessments a SET invalidated_at = $2, invalidated_reason = $3, invalidated_with = $1
FROM credential_assessments ca
WHERE ca.credential_id = $1 AND ca.assessment_id = a.id AND a.invalidated_at IS NULL
RETURNING a.id

-- name: holder_assessments --
-- Everything recorded about a holder, for staff (issue 11): newest first, invalidations included.
SELECT id, kind, outcome, assessed_at, recorded_at, details, invalidated_at, invalidated_reason
FROM assessments WHERE holder_id = $1 ORDER BY assessed_at DESC, recorded_at DESC, id
-- name: insert_many --
-- Holders' assessments in one statement (bulk issuance), `details` as JSON text.
INSERT INTO assessments (id, kind, holder_id, organization_id, outcome, assessed_at, details, recorded_by, recorded_at)
SELECT i, k, h, NULL, o, a, d::jsonb, $6, $7
FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::timestamptz[], $8::text[]) AS r (i, k, h, o, a, d)

-- name: link_many --
INSERT INTO credential_assessments (credential_id, assessment_id) SELECT * FROM unnest($1::text[], $2::uuid[])
