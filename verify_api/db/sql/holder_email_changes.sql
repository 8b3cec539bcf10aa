-- Changes of a holder's e-mail address (migration 0018_holders_sign_in): applied once both addresses confirmed;
-- holder_email_changes.py.

-- name: cancel_open --
-- A new request replaces the holder's open one (its links stop working: they name a cancelled change).
UPDATE holder_email_changes SET cancelled_at = $2
WHERE holder_id = $1 AND applied_at IS NULL AND cancelled_at IS NULL

-- name: insert --
INSERT INTO holder_email_changes (id, holder_id, old_email, new_email, created_at, expires_at)
VALUES ($1, $2, $3, $4, $5, $6)

-- name: confirm --
-- Record one side's confirmation ($3: 'email_old' or 'email_new') of an open, unexpired change; the change after it.
UPDATE holder_email_changes
SET old_confirmed_at = CASE WHEN $3 = 'email_old' THEN coalesce(old_confirmed_at, $2) ELSE old_confirmed_at END,
    new_confirmed_at = CASE WHEN $3 = 'email_new' THEN coalesce(new_confirmed_at, $2) ELSE new_confirmed_at END
WHERE id = $1 AND applied_at IS NULL AND cancelled_at IS NULL AND expires_at > $2
RETURNING id, holder_id, old_email, new_email, created_at, expires_at, old_confirmed_at, new_confirmed_at,
          applied_at

-- name: mark_applied --
UPDATE holder_email_changes SET applied_at = $2 WHERE id = $1 AND applied_at IS NULL

-- name: pending_new_email --
SELECT new_email FROM holder_email_changes
WHERE holder_id = $1 AND applied_at IS NULL AND cancelled_at IS NULL
ORDER BY created_at DESC LIMIT 1

-- name: open_change --
SELECT id, holder_id, old_email, new_email, created_at, expires_at, old_confirmed_at, new_confirmed_at, applied_at
FROM holder_email_changes
WHERE holder_id = $1 AND applied_at IS NULL AND cancelled_at IS NULL AND expires_at > $2
ORDER BY created_at DESC LIMIT 1
