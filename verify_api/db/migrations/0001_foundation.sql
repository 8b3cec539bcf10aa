-- PAI Verify foundation schema. Forward-only: never edit after it lands; add 0002_... instead.
-- Invariants live here as constraints so that no read-then-write in the services can race them.

CREATE TABLE holders (
    id              uuid PRIMARY KEY,
    display_name    text NOT NULL CONSTRAINT holders_display_name_length CHECK (length(display_name) BETWEEN 1 AND 200),
    email           text CONSTRAINT holders_email_shape CHECK (email IS NULL OR email ~ '^[^@\s]+@[^@\s]+$'),
    public_listing  boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX holders_email_key ON holders (lower(email)) WHERE email IS NOT NULL;

CREATE TABLE organizations (
    id            uuid PRIMARY KEY,
    name          text NOT NULL CONSTRAINT organizations_name_length CHECK (length(name) BETWEEN 1 AND 200),
    kind          text NOT NULL CONSTRAINT organizations_kind_check CHECK (kind IN ('consultancy', 'enterprise')),
    website       text,
    country       text CONSTRAINT organizations_country_shape CHECK (country IS NULL OR country ~ '^[A-Z]{2}$'),
    created_at    timestamptz NOT NULL
);
CREATE INDEX organizations_name_search ON organizations (lower(name) text_pattern_ops);

CREATE TABLE organization_staff (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    holder_id       uuid NOT NULL REFERENCES holders (id),
    role            text,
    linked_at       timestamptz NOT NULL,
    CONSTRAINT organization_staff_pkey PRIMARY KEY (organization_id, holder_id)
);

-- The evidence that a tier was earned. `details` holds the kind-specific fields (scores, panel ids,
-- evidence digests); evidence content itself is never stored, only its SHA-256 digest.
CREATE TABLE assessments (
    id              uuid PRIMARY KEY,
    kind            text NOT NULL CONSTRAINT assessments_kind_check CHECK (kind IN (
                        'exam', 'deployment_review', 'portfolio_review', 'panel_interview',
                        'deliverables_review', 'compliance_audit', 'governance_review')),
    holder_id       uuid REFERENCES holders (id),
    organization_id uuid REFERENCES organizations (id),
    outcome         text NOT NULL CONSTRAINT assessments_outcome_check CHECK (outcome IN ('passed', 'failed', 'approved', 'rejected')),
    assessed_at     timestamptz NOT NULL,
    details         jsonb NOT NULL,
    recorded_by     uuid,
    recorded_at     timestamptz NOT NULL,
    CONSTRAINT assessments_one_subject CHECK ((holder_id IS NULL) <> (organization_id IS NULL))
);
CREATE INDEX assessments_holder ON assessments (holder_id, kind) WHERE holder_id IS NOT NULL;
CREATE INDEX assessments_organization ON assessments (organization_id, kind) WHERE organization_id IS NOT NULL;

CREATE TABLE signing_keys (
    kid                   text PRIMARY KEY,   -- the verification method id: did:web:...#z6Mk...
    public_key_multibase  text NOT NULL UNIQUE,
    created_at            timestamptz NOT NULL,
    retired_at            timestamptz,
    compromised_since     timestamptz
);

-- One row per published Bitstring Status List; indexes are allocated at random within it.
CREATE TABLE status_lists (
    id          text PRIMARY KEY CONSTRAINT status_lists_id_shape CHECK (id ~ '^[a-z0-9]{8,40}$'),
    purpose     text NOT NULL CONSTRAINT status_lists_purpose_check CHECK (purpose IN ('revocation', 'suspension')),
    size        integer NOT NULL CONSTRAINT status_lists_size_check CHECK (size >= 131072 AND size % 8 = 0),
    created_at  timestamptz NOT NULL
);

CREATE TABLE credentials (
    id                 text PRIMARY KEY CONSTRAINT credentials_id_shape CHECK (id ~ '^[a-z2-7]{26}$'),
    tier               text NOT NULL CONSTRAINT credentials_tier_check CHECK (tier IN ('AIDA', 'CPAP', 'CPAA', 'CAI', 'CAE')),
    holder_id          uuid REFERENCES holders (id),
    organization_id    uuid REFERENCES organizations (id),
    subject_name       text NOT NULL,
    verification_code  text NOT NULL CONSTRAINT credentials_verification_code_key UNIQUE,
    valid_from         timestamptz NOT NULL,
    valid_until        timestamptz NOT NULL,
    status             text NOT NULL DEFAULT 'active'
                       CONSTRAINT credentials_status_check CHECK (status IN ('active', 'suspended', 'revoked', 'superseded')),
    status_reason      text,
    status_changed_at  timestamptz,
    document           bytea NOT NULL,   -- the signed credential, byte for byte as issued
    cryptosuite        text NOT NULL CONSTRAINT credentials_cryptosuite_check CHECK (cryptosuite IN ('eddsa-rdfc-2022', 'eddsa-jcs-2022')),
    signing_key_id     text NOT NULL REFERENCES signing_keys (kid),
    revocation_list    text NOT NULL REFERENCES status_lists (id),
    revocation_index   integer NOT NULL CONSTRAINT credentials_revocation_index_range CHECK (revocation_index >= 0),
    suspension_list    text NOT NULL REFERENCES status_lists (id),
    suspension_index   integer NOT NULL CONSTRAINT credentials_suspension_index_range CHECK (suspension_index >= 0),
    predecessor_id     text REFERENCES credentials (id),
    issued_at          timestamptz NOT NULL,
    issued_by          uuid,
    CONSTRAINT credentials_one_subject CHECK ((holder_id IS NULL) <> (organization_id IS NULL)),
    CONSTRAINT credentials_validity_order CHECK (valid_until > valid_from),
    CONSTRAINT credentials_people_tiers CHECK ((tier IN ('AIDA', 'CPAP', 'CPAA')) = (holder_id IS NOT NULL)),
    CONSTRAINT credentials_revocation_slot_key UNIQUE (revocation_list, revocation_index),
    CONSTRAINT credentials_suspension_slot_key UNIQUE (suspension_list, suspension_index)
);
-- At most one current (active or suspended) credential per subject and tier.
CREATE UNIQUE INDEX credentials_one_current_per_holder_tier ON credentials (holder_id, tier)
    WHERE holder_id IS NOT NULL AND status IN ('active', 'suspended');
CREATE UNIQUE INDEX credentials_one_current_per_organization_tier ON credentials (organization_id, tier)
    WHERE organization_id IS NOT NULL AND status IN ('active', 'suspended');
CREATE INDEX credentials_holder ON credentials (holder_id) WHERE holder_id IS NOT NULL;
CREATE INDEX credentials_organization ON credentials (organization_id) WHERE organization_id IS NOT NULL;

CREATE TABLE api_clients (
    id           uuid PRIMARY KEY,
    name         text NOT NULL CONSTRAINT api_clients_name_length CHECK (length(name) BETWEEN 1 AND 100),
    key_prefix   text NOT NULL CONSTRAINT api_clients_key_prefix_key UNIQUE,
    secret_hash  bytea NOT NULL,     -- SHA-256 of the full secret; the secret itself is shown once, never stored
    scopes       text[] NOT NULL CONSTRAINT api_clients_scopes_check CHECK (scopes <@ ARRAY['assess', 'issue', 'manage']::text[] AND cardinality(scopes) > 0),
    created_at   timestamptz NOT NULL,
    revoked_at   timestamptz
);

-- A retried POST with the same Idempotency-Key replays the stored outcome instead of issuing twice.
CREATE TABLE idempotency_keys (
    client_id      uuid NOT NULL REFERENCES api_clients (id),
    key            text NOT NULL CONSTRAINT idempotency_keys_key_length CHECK (length(key) BETWEEN 1 AND 200),
    request_hash   bytea NOT NULL,
    credential_id  text NOT NULL REFERENCES credentials (id),
    created_at     timestamptz NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (client_id, key)
);

-- Append-only history of everything that happened to credentials and organisations.
CREATE TABLE events (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at     timestamptz NOT NULL,
    kind            text NOT NULL,
    credential_id   text REFERENCES credentials (id),
    organization_id uuid REFERENCES organizations (id),
    actor           uuid,
    data            jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX events_credential ON events (credential_id, seq) WHERE credential_id IS NOT NULL;

CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events is append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();
