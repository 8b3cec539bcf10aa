-- The hash-chained event log and its signed checkpoints (see db/event_chain.py and migrations/0003); events.py
-- loads these at import.

-- name: lock_chain_head --
SELECT seq, entry_hash FROM event_chain_head FOR UPDATE

-- name: chain_head --
SELECT seq, entry_hash FROM event_chain_head

-- name: insert_numbered --
INSERT INTO events (seq, occurred_at, kind, credential_id, organization_id, actor, data, prev_hash, entry_hash,
                    chain_version)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)

-- name: audit_rows --
SELECT seq, occurred_at, kind, credential_id, organization_id, actor, data,
       CASE WHEN chain_version = 1 THEN data::text END AS legacy_data_text, prev_hash, entry_hash, chain_version
FROM events WHERE seq > $1 ORDER BY seq LIMIT $2

-- name: entry_hash_at --
SELECT entry_hash FROM events WHERE seq = $1

-- name: credential_events --
SELECT seq, occurred_at, kind, data FROM events WHERE credential_id = $1 ORDER BY seq

-- name: latest_checkpoint --
SELECT seq, entry_hash, signed_at, key_id, signature, version FROM audit_checkpoints ORDER BY seq DESC LIMIT 1

-- name: list_checkpoints --
SELECT seq, entry_hash, signed_at, key_id, signature, version FROM audit_checkpoints WHERE seq > $1
ORDER BY seq LIMIT $2

-- name: insert_checkpoint --
INSERT INTO audit_checkpoints (seq, entry_hash, signed_at, key_id, signature, version)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (seq) DO NOTHING

-- name: insert_numbered_many --
-- Events numbered and hashed in Python under the chain-head lock, inserted in chain order (the statement trigger of
-- migration 0023 checks they extend the head, all at once, and moves it once).
INSERT INTO events (seq, occurred_at, kind, credential_id, organization_id, actor, data, prev_hash, entry_hash,
                    chain_version)
SELECT s, o, k, c, g, a, d::jsonb, p, h, $10
FROM unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::uuid[], $6::uuid[], $7::text[], $8::bytea[],
            $9::bytea[]) AS e (s, o, k, c, g, a, d, p, h)
ORDER BY s
