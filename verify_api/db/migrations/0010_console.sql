-- The staff console (issue 11 section 4): staff accounts with argon2id password hashes and roles, and their sign-in
-- sessions. Only hashes are stored: the password's argon2id encoding (parameters included, so a change of
-- parameters is seen and the hash redone at the next sign-in) and the SHA-256 of each session's 32-byte token.
CREATE TABLE staff_accounts (
    id              uuid PRIMARY KEY,
    email           text NOT NULL,
    password_hash   text NOT NULL CONSTRAINT staff_accounts_argon2id CHECK (password_hash LIKE '$argon2id$%'),
    role            text NOT NULL CONSTRAINT staff_accounts_role_check CHECK (role IN ('assessor', 'issuer', 'admin')),
    disabled_at     timestamptz,
    failed_attempts integer NOT NULL DEFAULT 0 CONSTRAINT staff_accounts_failed_attempts_check
                                                 CHECK (failed_attempts >= 0),
    locked_until    timestamptz,
    created_at      timestamptz NOT NULL,
    last_sign_in_at timestamptz,
    CONSTRAINT staff_accounts_email_length CHECK (length(email) BETWEEN 3 AND 254)
);
-- One account per address, whatever its case.
CREATE UNIQUE INDEX staff_accounts_email_key ON staff_accounts (lower(email));

CREATE TABLE console_sessions (
    token_hash   bytea PRIMARY KEY CONSTRAINT console_sessions_token_hash_length CHECK (length(token_hash) = 32),
    staff_id     uuid NOT NULL REFERENCES staff_accounts (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,  -- the absolute limit; the idle limit is last_seen_at + the idle setting
    csrf_secret  bytea NOT NULL CONSTRAINT console_sessions_csrf_secret_length CHECK (length(csrf_secret) = 32),
    CONSTRAINT console_sessions_expiry_after_creation CHECK (expires_at > created_at)
);
CREATE INDEX console_sessions_staff ON console_sessions (staff_id);
CREATE INDEX console_sessions_expiry ON console_sessions (expires_at);
