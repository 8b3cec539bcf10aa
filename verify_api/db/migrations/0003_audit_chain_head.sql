-- An audit log that tells the truth (issue 8): event numbers are taken inside the lock that orders the chain, the
-- hash input is computed in Python from the raw columns (verify_api/db/event_chain.py), and checkpoints are
-- append-only and sign their time.

-- The chain head: one row holding the newest entry. A writer locks it (SELECT ... FOR UPDATE), numbers its event
-- head.seq + 1, chains it to head.entry_hash, and the trigger below moves the head, all in the writer's
-- transaction. The row lock is held until commit, so numbering order, chain order and commit order are one order,
-- and numbers have no gaps (a rolled-back writer leaves the head where it was).
CREATE TABLE event_chain_head (
    singleton  boolean PRIMARY KEY DEFAULT true CONSTRAINT event_chain_head_singleton CHECK (singleton),
    seq        bigint NOT NULL,
    entry_hash bytea NOT NULL
);
-- The events written before this migration were chained in commit order, which their numbers need not follow:
-- the head is the highest number, and the hash of the entry no other entry is chained after (the chain's tip).
INSERT INTO event_chain_head (seq, entry_hash)
SELECT coalesce((SELECT max(seq) FROM events), 0),
       coalesce((SELECT e.entry_hash FROM events e
                 WHERE NOT EXISTS (SELECT 1 FROM events f WHERE f.prev_hash = e.entry_hash)
                 ORDER BY e.seq DESC LIMIT 1),
                '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);

-- Numbers come from the head, not from an identity default evaluated before any lock is taken.
ALTER TABLE events ALTER COLUMN seq DROP IDENTITY;

-- Which encoding an entry's hash uses: 1 = migration 0002's SQL encoding (entries written before this
-- migration), 2 = db/event_chain.py. Writers must say which.
ALTER TABLE events ADD COLUMN chain_version smallint NOT NULL DEFAULT 1
    CONSTRAINT events_chain_version CHECK (chain_version IN (1, 2));
ALTER TABLE events ALTER COLUMN chain_version DROP DEFAULT;

-- The database no longer computes hashes: it only refuses an event that does not extend the head.
DROP TRIGGER events_hash_chain ON events;
DROP FUNCTION events_chain();
DROP FUNCTION event_hash_input(bigint, timestamptz, text, text, uuid, uuid, jsonb);

CREATE FUNCTION events_extend_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head event_chain_head%ROWTYPE;
BEGIN
    SELECT * INTO head FROM event_chain_head FOR UPDATE;
    IF NEW.seq IS DISTINCT FROM head.seq + 1 OR NEW.prev_hash IS DISTINCT FROM head.entry_hash
       OR NEW.chain_version IS DISTINCT FROM 2 OR length(NEW.entry_hash) IS DISTINCT FROM 32 THEN
        RAISE EXCEPTION 'an event must extend the chain head (event %, head %)', NEW.seq, head.seq
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    UPDATE event_chain_head SET seq = NEW.seq, entry_hash = NEW.entry_hash;
    RETURN NEW;
END;
$$;
CREATE TRIGGER events_extend_chain_head BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_extend_chain_head();

CREATE FUNCTION event_chain_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'UPDATE' OR NEW.seq <> OLD.seq + 1 THEN
        RAISE EXCEPTION 'the chain head only moves forward, one event at a time (% refused)', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER event_chain_head_forward BEFORE UPDATE OR DELETE ON event_chain_head
    FOR EACH ROW EXECUTE FUNCTION event_chain_head_moves_forward();

-- Append-only tables refuse TRUNCATE too (row triggers do not see it).
CREATE FUNCTION refuse_change_to_append_only_table() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only_table();
CREATE TRIGGER event_chain_head_no_truncate BEFORE TRUNCATE ON event_chain_head
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only_table();

-- Checkpoints are append-only, and version 2 signs the checkpoint's time as well as (seq, entry_hash).
ALTER TABLE audit_checkpoints ADD COLUMN version smallint NOT NULL DEFAULT 1
    CONSTRAINT audit_checkpoints_version CHECK (version IN (1, 2));
ALTER TABLE audit_checkpoints ALTER COLUMN version DROP DEFAULT;
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_append_only_table();
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change_to_append_only_table();
