-- Finding and correcting records (issue 11, section 2).

-- Holders found by name tolerant of accents, case and word order: the name folded as the registry folds
-- organisation names (registry_fold, migration 0005), matched by pg_trgm (`<%` word similarity, LIKE substrings),
-- both served by the trigram index.
ALTER TABLE holders ADD COLUMN search_name text GENERATED ALWAYS AS (registry_fold(display_name)) STORED;
CREATE INDEX holders_search_name_trgm ON holders USING gin (search_name gin_trgm_ops);

-- Keyset pages in a stable order: holders newest first, the register newest first, and by expiry.
CREATE INDEX holders_created ON holders (created_at DESC, id DESC);
CREATE INDEX credentials_issued ON credentials (issued_at DESC, id DESC) WHERE kind = 'certification';
CREATE INDEX credentials_valid_until ON credentials (valid_until) WHERE kind = 'certification';

-- POST /v1/holders/{id}/reissue with an Idempotency-Key: the outcome of the first call, answered again on a retry
-- (one call may re-issue several credentials, so idempotency_keys, one credential per key, does not fit). The
-- client is whoever asked: an API client, or a staff account of the console, hence no foreign key.
CREATE TABLE holder_reissues (
    client_id     uuid NOT NULL,
    key           text NOT NULL CONSTRAINT holder_reissues_key_length CHECK (length(key) BETWEEN 1 AND 200),
    request_hash  bytea NOT NULL,
    holder_id     uuid NOT NULL REFERENCES holders (id),
    outcome       jsonb NOT NULL,
    created_at    timestamptz NOT NULL,
    CONSTRAINT holder_reissues_pkey PRIMARY KEY (client_id, key)
);
