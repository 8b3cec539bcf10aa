-- Holders sign in without a password (issue 13): a single-use link sent to their address. Only each link token's
-- SHA-256 is kept (holder_links); the link itself exists in clear only in the mail queue (holder_mail) until the
-- message is sent, and is erased then (or when it expires unsent). services/holder_sign_in.py, holder_mail.py.

-- E-mail address changes, applied once both the old and the new address confirmed (services/holder_email.py).
CREATE TABLE holder_email_changes (
    id               uuid PRIMARY KEY,
    holder_id        uuid NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    old_email        text NOT NULL,
    new_email        text NOT NULL CONSTRAINT holder_email_changes_new_shape CHECK (new_email ~ '^[^@\s]+@[^@\s]+$'),
    created_at       timestamptz NOT NULL,
    expires_at       timestamptz NOT NULL,
    old_confirmed_at timestamptz,
    new_confirmed_at timestamptz,
    applied_at       timestamptz,
    cancelled_at     timestamptz,  -- a newer request of the same holder replaced it
    CONSTRAINT holder_email_changes_expiry CHECK (expires_at > created_at)
);
CREATE INDEX holder_email_changes_holder ON holder_email_changes (holder_id, created_at DESC);

-- Single-use links: sign-in, and the two confirmations of an address change. Consumed by one guarded UPDATE
-- (used_at IS NULL AND expires_at > now), so a link opens at most once whatever races it.
CREATE TABLE holder_links (
    token_hash      bytea PRIMARY KEY CONSTRAINT holder_links_token_hash_length CHECK (length(token_hash) = 32),
    holder_id       uuid NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    purpose         text NOT NULL
                    CONSTRAINT holder_links_purpose CHECK (purpose IN ('sign_in', 'email_old', 'email_new')),
    email_change_id uuid REFERENCES holder_email_changes (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz,
    CONSTRAINT holder_links_change CHECK ((purpose = 'sign_in') = (email_change_id IS NULL)),
    CONSTRAINT holder_links_expiry CHECK (expires_at > created_at)
);
CREATE INDEX holder_links_expiry ON holder_links (expires_at);

-- Account messages (a sign-in link, an address confirmation): sent by the outbox dispatcher (services/outbox.py)
-- beside the notifications' deliveries, but never a notification: those are public (GET /v1/events, webhooks) and
-- kept, while these carry a secret that is erased (`link` set to NULL) as soon as the message is sent, fails for
-- good, or its link expires.
CREATE TABLE holder_mail (
    id              uuid PRIMARY KEY,
    holder_id       uuid NOT NULL REFERENCES holders (id) ON DELETE CASCADE,
    kind            text NOT NULL CONSTRAINT holder_mail_kind CHECK (kind IN ('sign_in', 'email_old', 'email_new')),
    to_address      text NOT NULL,
    link            text,
    created_at      timestamptz NOT NULL,
    send_before     timestamptz NOT NULL,  -- the link's expiry: a message not sent by then is dropped
    state           text NOT NULL DEFAULT 'pending'
                    CONSTRAINT holder_mail_state CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'dropped')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    finished_at     timestamptz,
    last_error      text,
    CONSTRAINT holder_mail_link_only_while_due CHECK (link IS NOT NULL OR state NOT IN ('pending', 'sending'))
);
CREATE INDEX holder_mail_due ON holder_mail (next_attempt_at) WHERE state IN ('pending', 'sending');

-- Sign-in requests per address and per client (each by its SHA-256, never in clear), for the rate limits: one row
-- per request within the window, so the limit is exact (a sliding log). UNLOGGED: a crash only forgives.
CREATE UNLOGGED TABLE holder_sign_in_requests (
    bucket       bytea NOT NULL,
    requested_at timestamptz NOT NULL
);
CREATE INDEX holder_sign_in_requests_bucket ON holder_sign_in_requests (bucket, requested_at);
CREATE INDEX holder_sign_in_requests_at ON holder_sign_in_requests (requested_at);
