-- Telling people and systems (issue 11 section 3): an outbox fed from the event log.
--
-- `events` (the audit chain) is read, never written: its numbers follow commit order (the chain head's row lock
-- of migration 0003 is held until the appending transaction commits, so event N+1 can only commit after N), so a
-- translator that remembers the last number it read never skips an event that commits late.
--
-- notifications: what happened, as consumers see it (webhook bodies and GET /v1/events). Each comes from one audit
-- event (`source_event`) or from a scan of what time changes (expiry ahead, expiry, an organisation at risk;
-- `derived_key`, unique, so a scan enqueues each finding once). Rows are numbered by an identity drawn while the
-- translator holds `notification_cursor`'s row lock, so their numbers too follow commit order (the feed's cursor).
-- deliveries: one row per (notification, target), unique, so a crash neither loses nor repeats one; claimed with
-- FOR UPDATE SKIP LOCKED under a lease that expires (pending -> sending -> sent | failed | skipped).

ALTER TABLE holders ADD COLUMN email_opt_out_at timestamptz;

CREATE TABLE notification_cursor (
    singleton           boolean PRIMARY KEY DEFAULT true CONSTRAINT notification_cursor_singleton CHECK (singleton),
    event_seq           bigint NOT NULL,       -- the last audit event translated
    expired_scanned_to  timestamptz NOT NULL,  -- credentials that expired after this are still to be announced
    token_key           bytea NOT NULL         -- HMAC key of the unsubscribe links (services/mail.py)
);
-- Events written before this migration are history, not news: translation starts at the head.
INSERT INTO notification_cursor (event_seq, expired_scanned_to, token_key)
SELECT seq, now(),
       decode(replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''), 'hex')
FROM event_chain_head;

CREATE TABLE notifications (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    type            text NOT NULL,
    occurred_at     timestamptz NOT NULL,
    -- Not foreign keys, like the ids in `events`: a reference would take a KEY SHARE lock on the credential's,
    -- holder's or organisation's row, and the translator must never wait on (or deadlock with) a lifecycle writer.
    credential_id   text,
    holder_id       uuid,
    organization_id uuid,
    data            jsonb NOT NULL,
    source_event    bigint CONSTRAINT notifications_source_event_key UNIQUE,
    derived_key     text CONSTRAINT notifications_derived_key UNIQUE,
    CONSTRAINT notifications_one_origin CHECK ((source_event IS NULL) <> (derived_key IS NULL))
);

CREATE TABLE webhook_subscriptions (
    id           uuid PRIMARY KEY,
    url          text NOT NULL,
    event_types  text[] NOT NULL CONSTRAINT webhook_subscriptions_types CHECK (cardinality(event_types) > 0),
    -- Standard Webhooks `whsec_` secret. Kept as is: the sender needs the key itself to sign (a hash cannot sign).
    secret       text NOT NULL,
    description  text,
    created_at   timestamptz NOT NULL,
    created_by   uuid,
    disabled_at  timestamptz
);

CREATE TABLE deliveries (
    id               uuid PRIMARY KEY,
    notification_seq bigint NOT NULL REFERENCES notifications (seq),
    channel          text NOT NULL CONSTRAINT deliveries_channel CHECK (channel IN ('email', 'webhook')),
    holder_id        uuid,  -- not a foreign key, for the reason given at `notifications`
    subscription_id  uuid REFERENCES webhook_subscriptions (id),
    state            text NOT NULL DEFAULT 'pending'
                     CONSTRAINT deliveries_state CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts         integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    retry_since      timestamptz NOT NULL,  -- retries stop WEBHOOK_RETRY_HOURS after this (reset by a redelivery)
    -- When it is next due: the retry time while pending, the lease's end while sending.
    next_attempt_at  timestamptz NOT NULL,
    finished_at      timestamptz,
    last_error       text,
    CONSTRAINT deliveries_target CHECK (
        (channel = 'email' AND holder_id IS NOT NULL AND subscription_id IS NULL)
        OR (channel = 'webhook' AND subscription_id IS NOT NULL AND holder_id IS NULL))
);
CREATE UNIQUE INDEX deliveries_once ON deliveries (notification_seq, channel, coalesce(subscription_id, holder_id));
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state IN ('pending', 'sending');
CREATE INDEX deliveries_of_subscription ON deliveries (subscription_id, created_at DESC)
    WHERE subscription_id IS NOT NULL;

CREATE TABLE delivery_attempts (
    delivery_id  uuid NOT NULL REFERENCES deliveries (id),
    attempt      integer NOT NULL,
    started_at   timestamptz NOT NULL,
    latency_ms   integer NOT NULL,
    status_code  integer,                 -- HTTP status, or the SMTP reply code
    outcome      text NOT NULL CONSTRAINT delivery_attempts_outcome CHECK (outcome IN ('sent', 'retry', 'failed')),
    detail       text,                    -- the error, or the start of the response (truncated)
    PRIMARY KEY (delivery_id, attempt)
);
