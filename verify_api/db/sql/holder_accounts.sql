-- A holder's own account (issue 13): found by their sign-in address; holder_accounts.py.

-- name: find_by_email --
-- The holder whose address this is, whatever its case (holders_email_key).
SELECT id, display_name, email, public_listing, created_at FROM holders
WHERE email IS NOT NULL AND lower(email) = lower($1)

-- name: set_email --
-- Raises ConflictError (holders_email_key) when another holder has that address by now.
UPDATE holders SET email = $2 WHERE id = $1
RETURNING id, display_name, email, public_listing, created_at
