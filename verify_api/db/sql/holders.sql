-- People who hold credentials; holders.py loads these at import.

-- name: insert --
INSERT INTO holders (id, display_name, email, public_listing, created_at)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, display_name, email, public_listing, created_at

-- name: get --
SELECT id, display_name, email, public_listing, created_at FROM holders WHERE id = $1
