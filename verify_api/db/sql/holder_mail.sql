-- Holders' account messages (migration 0018_holders_sign_in): sign-in links and address confirmations, queued in
-- the sign-in's transaction and sent by the outbox dispatcher; holder_mail.py.

-- name: enqueue --
INSERT INTO holder_mail (id, holder_id, kind, to_address, link, created_at, send_before, next_attempt_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $6)

-- name: drop_expired --
-- Messages whose link expired unsent: dropped, their link erased.
UPDATE holder_mail SET state = 'dropped', link = NULL, finished_at = $1, last_error = 'the link expired unsent'
WHERE state IN ('pending', 'sending') AND send_before <= $1

-- name: claim_due --
-- Due messages, pending ones and those whose sender's lease ran out; each claim is one more attempt.
UPDATE holder_mail m SET state = 'sending', attempts = m.attempts + 1, next_attempt_at = $2
FROM (SELECT id FROM holder_mail WHERE state IN ('pending', 'sending') AND next_attempt_at <= $1
      ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
WHERE m.id = due.id
RETURNING m.id, m.holder_id, m.kind, m.to_address, m.link, m.created_at, m.send_before, m.attempts

-- name: finish --
-- Only the sender of this attempt may record it (a re-claimed row has a higher attempt number). Sent or failed
-- for good: the link is erased.
UPDATE holder_mail
SET state = $3, next_attempt_at = $4, finished_at = $5, last_error = $6,
    link = CASE WHEN $3 IN ('pending', 'sending') THEN link END
WHERE id = $1 AND state = 'sending' AND attempts = $2

-- name: holder_display_name --
SELECT display_name FROM holders WHERE id = $1
