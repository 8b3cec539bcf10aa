-- Wallet delivery through OpenID for Verifiable Credential Issuance 1.0 (issue 13, helper oid4vci).

-- 1. A wallet copy is a register entry of its own (kind 'wallet_copy'): the holder's certification re-signed with
--    credentialSubject.id the wallet key's DID, under its own `document_id` (a urn:uuid). It has no status of its
--    own: `status_of` names the certification whose status it shares (the copy's document carries that
--    certification's status-list entries, and the one judgement reads that certification's row). Like a VC API
--    entry it has no tier, subject or code, so the holder's credentials, the tier rules and the listings never count
--    it; its own revocation and suspension slots are drawn only to keep every row's shape (no document names them).
ALTER TABLE credentials ADD COLUMN status_of text REFERENCES credentials (id);
ALTER TABLE credentials DROP CONSTRAINT credentials_kind_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_check
    CHECK (kind IN ('certification', 'vc_api', 'wallet_copy'));
ALTER TABLE credentials DROP CONSTRAINT credentials_kind_shape;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_shape CHECK (
    (kind = 'certification' AND tier IS NOT NULL AND valid_until IS NOT NULL AND verification_code IS NOT NULL
        AND (holder_id IS NULL) <> (organization_id IS NULL))
    OR (kind = 'vc_api' AND tier IS NULL AND holder_id IS NULL AND organization_id IS NULL
        AND verification_code IS NULL)
    OR (kind = 'wallet_copy' AND tier IS NULL AND holder_id IS NULL AND organization_id IS NULL
        AND verification_code IS NULL AND document_id IS NOT NULL));
ALTER TABLE credentials ADD CONSTRAINT credentials_status_of_kind CHECK ((kind = 'wallet_copy') = (status_of IS NOT NULL));
CREATE INDEX credentials_status_of ON credentials (status_of) WHERE status_of IS NOT NULL;

-- 2. Credential offers (OID4VCI §4.1) with a pre-authorized code (§3.5): only the SHA-256 of the code, of the
--    transaction code and of the access token the code is exchanged for are stored. A code is single use
--    (`redeemed_at`) and expires (`expires_at`); a transaction code allows a bounded number of wrong guesses.
CREATE TABLE credential_offers (
    id                  uuid PRIMARY KEY,
    credential_id       text NOT NULL REFERENCES credentials (id),
    configuration_ids   text[] NOT NULL CONSTRAINT credential_offers_configurations CHECK (cardinality(configuration_ids) > 0),
    code_hash           bytea NOT NULL CONSTRAINT credential_offers_code_key UNIQUE,
    tx_code_hash        bytea,
    tx_code_failures    integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL,
    created_by          uuid,
    expires_at          timestamptz NOT NULL,
    redeemed_at         timestamptz,
    access_token_hash   bytea CONSTRAINT credential_offers_access_token_key UNIQUE,
    token_expires_at    timestamptz,
    CONSTRAINT credential_offers_expiry_order CHECK (expires_at > created_at)
);
CREATE INDEX credential_offers_credential ON credential_offers (credential_id);

-- What each offer delivered: one wallet copy per offered configuration (a second request for it is refused).
CREATE TABLE wallet_deliveries (
    offer_id          uuid NOT NULL REFERENCES credential_offers (id),
    configuration_id  text NOT NULL,
    copy_id           text NOT NULL REFERENCES credentials (id),
    delivered_at      timestamptz NOT NULL,
    CONSTRAINT wallet_deliveries_pkey PRIMARY KEY (offer_id, configuration_id)
);

-- 3. c_nonce values of the Nonce Endpoint (§7), by SHA-256; each is consumed by the one Credential Request it
--    proves freshness for.
CREATE TABLE issuance_nonces (
    nonce_hash  bytea PRIMARY KEY,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX issuance_nonces_expiry ON issuance_nonces (expires_at);
