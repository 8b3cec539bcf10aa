-- API keys that expire, are revoked, rotated, and say when they were last used (issue 10). `revoked_at` exists since
-- 0001. `last_used_at` is written at most once a minute per key (services/api_clients.py), not on every request.
ALTER TABLE api_clients
    ADD COLUMN expires_at   timestamptz,
    ADD COLUMN last_used_at timestamptz,
    ADD COLUMN rotated_at   timestamptz,
    ADD CONSTRAINT api_clients_expiry_after_creation CHECK (expires_at IS NULL OR expires_at > created_at);
