-- Holders in control (issue 13): holders' own sign-in sessions, found by the SHA-256 of their cookie's token (as
-- console_sessions, migration 0010), each with its own CSRF secret. services/holder_sessions.py.
CREATE TABLE holder_sessions (
    token_hash   bytea PRIMARY KEY CONSTRAINT holder_sessions_token_hash_length CHECK (length(token_hash) = 32),
    holder_id    uuid NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,  -- the absolute limit; the idle limit is last_seen_at + the idle setting
    csrf_secret  bytea NOT NULL CONSTRAINT holder_sessions_csrf_secret_length CHECK (length(csrf_secret) = 32),
    CONSTRAINT holder_sessions_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX holder_sessions_holder ON holder_sessions (holder_id);
CREATE INDEX holder_sessions_expiry ON holder_sessions (expires_at);
