-- Status changes, status lists and history (the audit chain: audit.sql).

-- name: transition_credential --
UPDATE credentials
SET status = $2, status_reason = $3, status_note = $4, status_changed_at = $5
WHERE id = $1 AND status = ANY($6::text[])
RETURNING id, revocation_list, suspension_list

-- name: credential_status --
SELECT status FROM credentials WHERE id = $1

-- name: bump_status_list --
UPDATE status_lists SET version = version + 1, updated_at = $2 WHERE id = $1

-- name: get_status_list --
SELECT id, purpose, size, created_at, version, updated_at FROM status_lists WHERE id = $1

-- name: revoked_indexes --
-- The revocation purpose marks every credential that can never be valid again: revoked (key compromise is stored
-- as a revocation with reason key_compromise), superseded, and, as domain/verdict.judge_signing_key says, anything
-- signed outside its key's service window (a guard for rows written by a server that missed a key change).
SELECT c.revocation_index AS idx
FROM credentials c JOIN signing_keys k ON k.kid = c.signing_key_id
WHERE c.revocation_list = $1
  AND (c.status IN ('revoked', 'superseded')
       OR c.issued_at >= k.compromised_since OR c.issued_at >= k.retired_at OR c.issued_at < k.created_at)

-- name: suspended_indexes --
SELECT suspension_index AS idx FROM credentials WHERE suspension_list = $1 AND status = 'suspended'

-- name: set_indexes_at --
-- A list's set bits at $2, replayed from each credential's last status event by then. A list id names either a
-- revocation or a suspension list, so the one statement serves both purposes.
SELECT CASE WHEN c.revocation_list = $1 THEN c.revocation_index ELSE c.suspension_index END AS idx
FROM credentials c
JOIN LATERAL (
    SELECT e.kind FROM events e
    WHERE e.credential_id = c.id AND e.kind LIKE 'credential\_%' AND e.occurred_at <= $2
    ORDER BY e.seq DESC LIMIT 1
) last ON true
WHERE (c.revocation_list = $1 AND last.kind IN ('credential_revoked', 'credential_superseded'))
   OR (c.suspension_list = $1 AND last.kind = 'credential_suspended')

-- name: credential_events --
SELECT seq, occurred_at, kind, data FROM events WHERE credential_id = $1 ORDER BY seq

-- name: successor_of --
SELECT id FROM credentials WHERE predecessor_id = $1

-- name: newest_in_chain --
WITH RECURSIVE chain (id, depth) AS (
    SELECT $1::text, 0
    UNION ALL
    SELECT c.id, chain.depth + 1 FROM credentials c JOIN chain ON c.predecessor_id = chain.id WHERE chain.depth < 1000
)
SELECT id FROM chain ORDER BY depth DESC LIMIT 1

-- name: prerequisite_states --
SELECT c.tier, c.status, c.status_reason, c.status_changed_at, c.valid_until
FROM credentials c
WHERE c.holder_id = $1 AND c.tier = $2 AND c.status <> 'superseded'
ORDER BY c.issued_at DESC
