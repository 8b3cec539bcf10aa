-- Bulk issuance at exam-session scale (issue 11, speed): the chain head moves once per INSERT statement, not once
-- per event.
--
-- Migration 0003's row trigger locked and updated the head for every event, so a batch of N events wrote N versions
-- of the head's one row in one transaction, none of which can be pruned before it commits: each lock read walked
-- the versions before it (quadratic in the batch). The same rule is now checked once per statement, over all the
-- rows it inserted (a transition table): ordered by number they must be head.seq + 1, head.seq + 2, ..., each
-- chained to the one before (the first to the head's hash), of chain version 2 with a 32-byte hash; then the head
-- moves to the last of them, in one update. What a statement inserts is refused whole otherwise, with the same error
-- as before. The head's row lock is still taken (or already held) by the appending transaction and kept to its
-- commit, so numbering order, chain order and commit order stay one order (migration 0014 relies on it).
DROP TRIGGER events_extend_chain_head ON events;
DROP FUNCTION events_extend_chain_head();

CREATE FUNCTION events_extend_chain_head() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    head event_chain_head%ROWTYPE;
    bad record;
    tip record;
BEGIN
    SELECT * INTO head FROM event_chain_head FOR UPDATE;
    SELECT a.seq INTO bad
    FROM (SELECT seq, prev_hash, entry_hash, chain_version,
                 row_number() OVER (ORDER BY seq) AS position,
                 lag(entry_hash, 1, head.entry_hash) OVER (ORDER BY seq) AS chained_to
          FROM appended_events) a
    WHERE a.seq IS DISTINCT FROM head.seq + a.position OR a.prev_hash IS DISTINCT FROM a.chained_to
       OR a.chain_version IS DISTINCT FROM 2 OR length(a.entry_hash) IS DISTINCT FROM 32
    ORDER BY a.position LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'an event must extend the chain head (event %, head %)', bad.seq, head.seq
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    SELECT seq, entry_hash INTO tip FROM appended_events ORDER BY seq DESC LIMIT 1;
    IF FOUND THEN
        UPDATE event_chain_head SET seq = tip.seq, entry_hash = tip.entry_hash;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_extend_chain_head AFTER INSERT ON events
    REFERENCING NEW TABLE AS appended_events
    FOR EACH STATEMENT EXECUTE FUNCTION events_extend_chain_head();

-- The head moves forward only, and only to an event of the log (the one its update names, with that hash): the
-- trigger above moves it past a whole statement's events at once.
CREATE OR REPLACE FUNCTION event_chain_head_moves_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.seq > OLD.seq AND EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq AND entry_hash = NEW.entry_hash) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the chain head only moves forward, to an event of the log (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
