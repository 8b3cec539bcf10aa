-- Status lifecycle: reason codes, published status-list versions, staff unlinking, and a tamper-evident event log.

-- Private note kept with a status change (the reason code is public, the note is not).
ALTER TABLE credentials ADD COLUMN status_note text;
CREATE INDEX credentials_predecessor ON credentials (predecessor_id) WHERE predecessor_id IS NOT NULL;
CREATE INDEX credentials_revocation_list ON credentials (revocation_list) WHERE status = 'revoked';
CREATE INDEX credentials_suspension_list ON credentials (suspension_list) WHERE status = 'suspended';

-- Every change to a list's bits bumps its version in the same transaction, so a published list is never stale:
-- the served document is keyed by (id, version).
ALTER TABLE status_lists ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE status_lists ADD COLUMN updated_at timestamptz;
UPDATE status_lists SET updated_at = created_at;
ALTER TABLE status_lists ALTER COLUMN updated_at SET NOT NULL;

-- Staff links are ended, not deleted, so the CAI staff rule can tell when a shortfall began.
ALTER TABLE organization_staff ADD COLUMN unlinked_at timestamptz;

-- Hash chain: each event commits to the one before it. The hash is computed here, in the database, under a
-- transaction-scoped advisory lock so concurrent writers append one after another.
ALTER TABLE events ADD COLUMN prev_hash bytea;
ALTER TABLE events ADD COLUMN entry_hash bytea;

CREATE FUNCTION event_hash_input(seq bigint, occurred_at timestamptz, kind text, credential_id text,
                                 organization_id uuid, actor uuid, data jsonb) RETURNS bytea
LANGUAGE sql IMMUTABLE AS $$
    SELECT convert_to(concat_ws(E'\x1f',
        seq::text,
        to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        kind,
        coalesce(credential_id, ''),
        coalesce(organization_id::text, ''),
        coalesce(actor::text, ''),
        data::text), 'UTF8')
$$;

CREATE FUNCTION events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last_hash bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(5049415645);  -- "PAIVE": one appender at a time
    SELECT entry_hash INTO last_hash FROM events ORDER BY seq DESC LIMIT 1;
    NEW.prev_hash := coalesce(last_hash, '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea);
    NEW.entry_hash := sha256(NEW.prev_hash || event_hash_input(NEW.seq, NEW.occurred_at, NEW.kind, NEW.credential_id,
                                                               NEW.organization_id, NEW.actor, NEW.data));
    RETURN NEW;
END;
$$;

-- Chain the events written before this migration, in order.
ALTER TABLE events DISABLE TRIGGER events_append_only;
DO $$
DECLARE
    r record;
    last_hash bytea := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
BEGIN
    FOR r IN SELECT * FROM events ORDER BY seq LOOP
        UPDATE events SET prev_hash = last_hash,
                          entry_hash = sha256(last_hash || event_hash_input(r.seq, r.occurred_at, r.kind,
                                              r.credential_id, r.organization_id, r.actor, r.data))
        WHERE seq = r.seq RETURNING entry_hash INTO last_hash;
    END LOOP;
END;
$$;
ALTER TABLE events ENABLE TRIGGER events_append_only;
ALTER TABLE events ALTER COLUMN prev_hash SET NOT NULL;
ALTER TABLE events ALTER COLUMN entry_hash SET NOT NULL;

CREATE TRIGGER events_hash_chain BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION events_chain();

-- Signed checkpoints: the issuer's signature over (seq, entry_hash), so even a rewrite of the whole chain by
-- someone with database access but without the signing key is detected.
CREATE TABLE audit_checkpoints (
    seq          bigint PRIMARY KEY REFERENCES events (seq),
    entry_hash   bytea NOT NULL,
    signed_at    timestamptz NOT NULL,
    key_id       text NOT NULL REFERENCES signing_keys (kid),
    signature    bytea NOT NULL
);
