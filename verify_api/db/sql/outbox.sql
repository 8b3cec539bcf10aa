-- The outbox (migration 0014): notifications translated from the event log and scans, their deliveries, and the
-- holders' e-mail opt-out; outbox.py loads these at import.

-- name: lock_cursor --
-- One translator at a time over every worker and instance; the others skip (they have deliveries to send).
SELECT event_seq, expired_scanned_to FROM notification_cursor FOR UPDATE SKIP LOCKED

-- name: token_key --
SELECT token_key FROM notification_cursor

-- name: events_after --
SELECT e.seq, e.occurred_at, e.kind, e.credential_id, coalesce(e.organization_id, c.organization_id) AS organization_id,
       e.data, c.holder_id, c.tier, c.valid_until
FROM events e LEFT JOIN credentials c ON c.id = e.credential_id
WHERE e.seq > $1 ORDER BY e.seq LIMIT $2

-- name: supersession_reason --
SELECT data ->> 'reason' FROM events
WHERE credential_id = $1 AND kind = 'credential_superseded' AND data ->> 'successor' = $2
ORDER BY seq DESC LIMIT 1

-- name: advance_cursor --
UPDATE notification_cursor SET event_seq = $1

-- name: advance_expired_scan --
UPDATE notification_cursor SET expired_scanned_to = greatest(expired_scanned_to, $1)

-- name: insert_notification --
INSERT INTO notifications (type, occurred_at, credential_id, holder_id, organization_id, data, source_event,
                           derived_key)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING
RETURNING seq

-- name: enqueue_webhooks --
INSERT INTO deliveries (id, notification_seq, channel, subscription_id, created_at, retry_since, next_attempt_at)
SELECT gen_random_uuid(), $1, 'webhook', s.id, $3, $3, $3
FROM webhook_subscriptions s
WHERE s.disabled_at IS NULL AND $2 = ANY (s.event_types)
ON CONFLICT DO NOTHING

-- name: enqueue_email --
INSERT INTO deliveries (id, notification_seq, channel, holder_id, created_at, retry_since, next_attempt_at)
VALUES (gen_random_uuid(), $1, 'email', $2, $3, $3, $3)
ON CONFLICT DO NOTHING

-- name: expiring_credentials --
-- Active credentials whose end falls within the window and that were not yet announced as expiring.
SELECT c.id, c.holder_id, c.organization_id, c.tier, c.valid_until FROM credentials c
WHERE c.status = 'active' AND c.valid_until > $1 AND c.valid_until <= $2
  AND NOT EXISTS (SELECT 1 FROM notifications n WHERE n.derived_key = 'expiring:' || c.id)
ORDER BY c.valid_until, c.id LIMIT $3

-- name: expired_credentials --
SELECT c.id, c.holder_id, c.organization_id, c.tier, c.valid_until FROM credentials c
WHERE c.status = 'active' AND c.valid_until > $1 AND c.valid_until <= $2
ORDER BY c.valid_until, c.id

-- name: claim_due --
-- Due deliveries, pending ones and those whose sender's lease ran out (a crash between sending and recording).
-- Each claim is one more attempt; the attempt number fences a late sender off from a row re-claimed since.
UPDATE deliveries d SET state = 'sending', attempts = d.attempts + 1, next_attempt_at = $2
FROM (SELECT id FROM deliveries WHERE state IN ('pending', 'sending') AND next_attempt_at <= $1
      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
WHERE d.id = due.id
RETURNING d.id

-- name: delivery_work --
SELECT d.id, d.channel, d.attempts, d.retry_since, d.holder_id, n.seq AS notification_seq, n.type, n.occurred_at,
       n.data, n.credential_id, h.email, h.display_name, h.email_opt_out_at, c.subject_name,
       s.id AS subscription_id, s.url, s.secret, s.disabled_at
FROM deliveries d
JOIN notifications n ON n.seq = d.notification_seq
LEFT JOIN holders h ON h.id = d.holder_id
LEFT JOIN credentials c ON c.id = n.credential_id
LEFT JOIN webhook_subscriptions s ON s.id = d.subscription_id
WHERE d.id = ANY ($1::uuid[]) AND d.state = 'sending'
ORDER BY n.seq

-- name: finish_attempt --
-- Only the sender of this attempt may record it: a re-claimed row has a higher attempt number.
UPDATE deliveries SET state = $3, next_attempt_at = $4, finished_at = $5, last_error = $6
WHERE id = $1 AND state = 'sending' AND attempts = $2

-- name: insert_attempt --
INSERT INTO delivery_attempts (delivery_id, attempt, started_at, latency_ms, status_code, outcome, detail)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT DO NOTHING

-- name: depth --
SELECT channel, count(*) AS n FROM deliveries WHERE state IN ('pending', 'sending') GROUP BY channel

-- name: set_email_opt_out --
UPDATE holders SET email_opt_out_at = $2 WHERE id = $1 RETURNING id

-- name: notifications_after --
SELECT seq, type, occurred_at, data FROM notifications WHERE seq > $1 ORDER BY seq LIMIT $2
