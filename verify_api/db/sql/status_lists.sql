-- Status lists and their slots (a slot is a credential's revocation or suspension index); status_lists.py loads
-- these at import.

-- name: current --
-- The list new slots come from: one with room first (two lists opened in the same instant stay ordered), newest.
SELECT id, purpose, size, created_at, allocated FROM status_lists WHERE purpose = $1
ORDER BY (allocated * 2 < size) DESC, created_at DESC, id LIMIT 1

-- name: lock_opening --
-- One opener per purpose at a time (held to commit), so concurrent first issuances share one new list.
SELECT pg_advisory_xact_lock(hashtext('pai-verify status list opening'), hashtext($1))

-- name: free_indexes --
-- Which of the candidate indexes ($3) no credential holds in list $1: one index probe per candidate, no count. The
-- CASE runs only the probe of purpose $2 (with two NOT EXISTS, a generic plan probed both indexes per candidate).
SELECT i AS idx FROM unnest($3::int[]) WITH ORDINALITY AS candidate (i, n)
WHERE CASE WHEN $2 = 'revocation'
           THEN NOT EXISTS (SELECT 1 FROM credentials WHERE revocation_list = $1 AND revocation_index = i)
           ELSE NOT EXISTS (SELECT 1 FROM credentials WHERE suspension_list = $1 AND suspension_index = i) END
ORDER BY n

-- name: lock_slot --
-- A transaction-scoped claim on (list, index): a concurrent issuance that drew the same free index moves on
-- instead of colliding at insert time (after it has signed).
SELECT pg_try_advisory_xact_lock(hashtext($1), $2)

-- name: slot_taken --
SELECT EXISTS (SELECT 1 FROM credentials WHERE $2 = 'revocation' AND revocation_list = $1 AND revocation_index = $3)
    OR EXISTS (SELECT 1 FROM credentials WHERE $2 = 'suspension' AND suspension_list = $1 AND suspension_index = $3)

-- name: bump_allocation --
UPDATE status_lists SET allocated = allocated + 1 WHERE id = $1

-- name: insert --
INSERT INTO status_lists (id, purpose, size, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
RETURNING id, purpose, size, created_at, allocated

-- name: bump_version --
UPDATE status_lists SET version = version + 1, updated_at = $2 WHERE id = $1

-- name: get --
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

-- name: lock_slots --
-- lock_slot for many candidates in one statement (bulk issuance): the ones this transaction now holds.
SELECT i AS idx FROM unnest($2::int[]) WITH ORDINALITY AS candidate (i, n)
WHERE pg_try_advisory_xact_lock(hashtext($1), i)
ORDER BY n

-- name: bump_allocation_by --
UPDATE status_lists SET allocated = allocated + $2 WHERE id = $1
