-- What the organisation rules read, and ending staff links.

-- name: current_org_credential --
SELECT id, tier, status, status_reason, valid_until, issued_at
FROM credentials WHERE organization_id = $1 AND status IN ('active', 'suspended')
ORDER BY issued_at DESC LIMIT 1

-- name: latest_governance_record --
SELECT assessed_at, recorded_at, details ->> 'nextReviewDue' AS next_review_due
FROM assessments
WHERE organization_id = $1
  AND ((kind = 'governance_review' AND outcome = 'approved') OR (kind = 'compliance_audit' AND outcome = 'passed'))
ORDER BY assessed_at DESC, recorded_at DESC LIMIT 1

-- name: organizations_of_holder --
SELECT organization_id FROM organization_staff WHERE holder_id = $1

-- name: certified_organizations --
SELECT DISTINCT organization_id FROM credentials
WHERE organization_id IS NOT NULL AND status IN ('active', 'suspended')

-- name: unlink_staff --
UPDATE organization_staff SET unlinked_at = $3
WHERE organization_id = $1 AND holder_id = $2 AND unlinked_at IS NULL
RETURNING organization_id
