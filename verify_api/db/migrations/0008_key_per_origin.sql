-- A key may be published under more than one did:web: changing PUBLIC_BASE_URL moves the service to a new DID
-- and each key is registered again under it (a kid per DID), while the rows of the old DID stay so credentials
-- issued under it keep naming a key we know. The rows of one key share its window: retirement and compromise
-- apply to every kid of the key (db/sql/signing_keys.sql).
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_public_key_multibase_key;
CREATE INDEX signing_keys_public_key_multibase ON signing_keys (public_key_multibase);

-- Every origin (PUBLIC_BASE_URL) the service has answered under, and its did:web: credentials issued under an
-- earlier origin carry its URLs and DID, and are still recognised as ours (README "Changing PUBLIC_BASE_URL").
CREATE TABLE service_origins (
    base_url    text PRIMARY KEY,
    did         text NOT NULL,
    first_used  timestamptz NOT NULL,
    last_used   timestamptz NOT NULL
);
