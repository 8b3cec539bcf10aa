-- The 1EdTech Open Badges API 3.0 authorization server (services/oauth_*.py, db/oauth_*.py): clients registered by
-- RFC 7591 dynamic registration, authorization codes (RFC 6749 §4.1 with RFC 7636 PKCE), and the grants and tokens
-- an exchanged code produces. Every secret (client secret, code, access and refresh token) is 32 random bytes whose
-- SHA-256 alone is stored, so a copy of these tables opens nothing.

CREATE TABLE oauth_clients (
    client_id       text PRIMARY KEY CONSTRAINT oauth_clients_client_id_shape CHECK (client_id ~ '^[A-Za-z0-9_-]{16,64}$'),
    secret_hash     bytea NOT NULL CONSTRAINT oauth_clients_secret_hash_length CHECK (length(secret_hash) = 32),
    metadata        jsonb NOT NULL,  -- the client metadata as registered and answered (RFC 7591 §3.2.1)
    redirect_uris   text[] NOT NULL CONSTRAINT oauth_clients_redirect_uris_present CHECK (cardinality(redirect_uris) > 0),
    scope           text NOT NULL,
    grant_types     text[] NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE TABLE oauth_codes (
    code_hash       bytea PRIMARY KEY CONSTRAINT oauth_codes_code_hash_length CHECK (length(code_hash) = 32),
    client_id       text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    holder_id       uuid NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    redirect_uri    text NOT NULL,
    scope           text NOT NULL,
    code_challenge  text NOT NULL CONSTRAINT oauth_codes_code_challenge_shape CHECK (code_challenge ~ '^[A-Za-z0-9_-]{43}$'),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,  -- single use: set by the one exchange; a second one finds it set (a replay)
    CONSTRAINT oauth_codes_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX oauth_codes_expiry ON oauth_codes (expires_at);

-- What one exchanged code granted: every token of its refresh chain belongs to it, and revoking it ends them all.
CREATE TABLE oauth_grants (
    id              uuid PRIMARY KEY,
    code_hash       bytea NOT NULL CONSTRAINT oauth_grants_code_key UNIQUE,
    client_id       text NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    holder_id       uuid NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    scope           text NOT NULL,
    created_at      timestamptz NOT NULL,
    revoked_at      timestamptz
);
CREATE INDEX oauth_grants_holder ON oauth_grants (holder_id);

CREATE TABLE oauth_tokens (
    token_hash      bytea PRIMARY KEY CONSTRAINT oauth_tokens_token_hash_length CHECK (length(token_hash) = 32),
    grant_id        uuid NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    kind            text NOT NULL CONSTRAINT oauth_tokens_kind_check CHECK (kind IN ('access', 'refresh')),
    scope           text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,  -- a refresh token is revoked when it is used (rotation) or by RFC 7009 revocation
    CONSTRAINT oauth_tokens_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
CREATE INDEX oauth_tokens_expiry ON oauth_tokens (expires_at);
