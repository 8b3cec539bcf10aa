-- Holder-side signing (issue 12, helper prove): POST /presentations/prove signs a presentation with the calling API
-- client's own holder key, never the PAI's. A new scope `prove` grants it (no existing key has it: an `issue` or
-- `assess` key cannot sign presentations unless it is given the scope).
ALTER TABLE api_clients DROP CONSTRAINT api_clients_scopes_check;
ALTER TABLE api_clients ADD CONSTRAINT api_clients_scopes_check
    CHECK (scopes <@ ARRAY['assess', 'issue', 'manage', 'prove']::text[] AND cardinality(scopes) > 0);

-- One Ed25519 holder key per API client at a time: its did:key is the presentation's `holder` and its proof's
-- verificationMethod. Only the public half is here; the private key is a PKCS#8 file in the key directory
-- (services/holder_keys.py), like the signing keys. Rotating or revoking the client's API key retires its holder
-- key (`retired_at`); a retired key never signs again, and POST /presentations/verify refuses what it signed.
CREATE TABLE holder_keys (
    verification_method  text PRIMARY KEY,          -- did:key:z6Mk...#z6Mk...
    client_id            uuid NOT NULL REFERENCES api_clients (id),
    public_key_multibase text NOT NULL CONSTRAINT holder_keys_public_key_key UNIQUE,
    created_at           timestamptz NOT NULL,
    retired_at           timestamptz,
    CONSTRAINT holder_keys_retired_after_creation CHECK (retired_at IS NULL OR retired_at >= created_at)
);
-- At most one active key per client: two requests creating a client's first key race on this index, one wins.
CREATE UNIQUE INDEX holder_keys_one_active ON holder_keys (client_id) WHERE retired_at IS NULL;
