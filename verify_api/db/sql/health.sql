-- The readiness probe's one statement; health.py loads it at import.

-- name: ping --
SELECT 1
