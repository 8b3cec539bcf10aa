-- Webhook subscriptions and their delivery log (migration 0014); webhooks.py loads these at import.

-- name: insert_subscription --
INSERT INTO webhook_subscriptions (id, url, event_types, secret, description, created_at, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id, url, event_types, description, created_at, disabled_at

-- name: list_subscriptions --
SELECT id, url, event_types, description, created_at, disabled_at FROM webhook_subscriptions
WHERE disabled_at IS NULL ORDER BY created_at, id

-- name: get_subscription --
SELECT id, url, event_types, description, created_at, disabled_at FROM webhook_subscriptions WHERE id = $1

-- name: disable_subscription --
UPDATE webhook_subscriptions SET disabled_at = $2 WHERE id = $1 AND disabled_at IS NULL RETURNING id

-- name: subscription_deliveries --
SELECT d.id, n.seq AS notification_seq, n.type, d.state, d.attempts, d.created_at, d.next_attempt_at,
       d.finished_at, d.last_error
FROM deliveries d JOIN notifications n ON n.seq = d.notification_seq
WHERE d.subscription_id = $1 AND ($2::timestamptz IS NULL OR (d.created_at, d.id) < ($2, $3::uuid))
ORDER BY d.created_at DESC, d.id DESC LIMIT $4

-- name: attempts_of --
SELECT delivery_id, attempt, started_at, latency_ms, status_code, outcome, detail FROM delivery_attempts
WHERE delivery_id = ANY ($1::uuid[]) ORDER BY delivery_id, attempt

-- name: redeliver --
-- Send it again, with the same webhook-id (receivers dedupe on it); retries start over from now.
UPDATE deliveries SET state = 'pending', next_attempt_at = $2, retry_since = $2, finished_at = NULL
WHERE id = $1 AND state <> 'sending'
RETURNING id

-- name: delivery_state --
SELECT state FROM deliveries WHERE id = $1

-- name: all_subscriptions --
-- The console's list: every subscription, the active ones first, then the disabled (an API DELETE disables), each
-- group oldest first. Subscriptions are never deleted, so their logs stay readable.
SELECT id, url, event_types, description, created_at, disabled_at FROM webhook_subscriptions
ORDER BY disabled_at IS NOT NULL, created_at, id
