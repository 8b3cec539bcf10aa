-- Replica routing (db/replica.py): WAL positions as byte offsets, and the change notification of the cache/scale
-- contract (channel verify_api_changes, payload {"credential_id": ...}).

-- name: current_wal_lsn --
-- On the primary: the WAL insert position, past the commit record of every transaction committed before this call
-- (the write position can lag behind it under synchronous_commit=off).
SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint

-- name: replayed_wal_lsn --
-- On a standby: how far it has replayed the primary's WAL (on a server that is not a standby, its own position).
SELECT CASE WHEN pg_is_in_recovery() THEN (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint
            ELSE (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint END
