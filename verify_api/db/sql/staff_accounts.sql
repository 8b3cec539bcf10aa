-- Staff accounts of the console (migration 0010): argon2id hashes, roles, lockout counters; staff_accounts.py.

-- name: insert --
INSERT INTO staff_accounts (id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5)
RETURNING id, email, password_hash, role, disabled_at, failed_attempts, locked_until, created_at, last_sign_in_at

-- name: get --
SELECT id, email, password_hash, role, disabled_at, failed_attempts, locked_until, created_at, last_sign_in_at
FROM staff_accounts WHERE id = $1

-- name: get_by_email --
SELECT id, email, password_hash, role, disabled_at, failed_attempts, locked_until, created_at, last_sign_in_at
FROM staff_accounts WHERE lower(email) = lower($1)

-- name: list_all --
SELECT id, email, password_hash, role, disabled_at, failed_attempts, locked_until, created_at, last_sign_in_at
FROM staff_accounts ORDER BY created_at, id

-- name: record_failed_attempt --
-- One guarded statement, so concurrent wrong guesses all count: the Nth failure ($3) locks the account for $4
-- seconds and starts the count again. Attempts while locked are not counted (they are refused unchecked).
UPDATE staff_accounts
SET failed_attempts = CASE WHEN failed_attempts + 1 >= $3 THEN 0 ELSE failed_attempts + 1 END,
    locked_until = CASE WHEN failed_attempts + 1 >= $3 THEN $2::timestamptz + make_interval(secs => $4::float8)
                        ELSE locked_until END
WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)
RETURNING failed_attempts, locked_until

-- name: record_sign_in --
-- A successful sign-in clears the counters; $3, when not null, is the password's hash redone with today's
-- parameters (rehash on sign-in).
UPDATE staff_accounts
SET failed_attempts = 0, locked_until = NULL, last_sign_in_at = $2, password_hash = coalesce($3, password_hash)
WHERE id = $1

-- name: replace_password --
UPDATE staff_accounts SET password_hash = $2, failed_attempts = 0, locked_until = NULL WHERE id = $1
RETURNING id, email, password_hash, role, disabled_at, failed_attempts, locked_until, created_at, last_sign_in_at

-- name: mark_disabled --
UPDATE staff_accounts SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL
RETURNING id, email, password_hash, role, disabled_at, failed_attempts, locked_until, created_at, last_sign_in_at

-- name: credential_history --
-- A credential's events as staff see them: the reason, the private note and who acted (a staff account or an API
-- key, by the actor id the event recorded).
SELECT e.seq, e.occurred_at, e.kind, e.data, e.actor, s.email AS staff_email, c.name AS api_key_name
FROM events e
LEFT JOIN staff_accounts s ON s.id = e.actor
LEFT JOIN api_clients c ON c.id = e.actor
WHERE e.credential_id = $1
ORDER BY e.seq
