-- The origins (PUBLIC_BASE_URL) the service has answered under; service_origins.py loads these.

-- name: record --
INSERT INTO service_origins (base_url, did, first_used, last_used) VALUES ($1, $2, $3, $3)
ON CONFLICT (base_url) DO UPDATE SET last_used = greatest(service_origins.last_used, excluded.last_used)

-- name: former --
SELECT base_url FROM service_origins WHERE base_url <> $1 ORDER BY last_used DESC
