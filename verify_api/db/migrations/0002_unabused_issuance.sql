-- Issuance that cannot be abused (issue 8, section 3). Sorts after 0002_status_lifecycle and before 0003_*.

-- 1. The register also holds what POST /credentials/issue signs: `kind` 'vc_api' rows carry no tier, subject or
--    verification code, but do get revocation and suspension slots in the published lists, so they can be revoked.
--    `document_id` is the credential's own `id` (or the VC API's options.credentialId), how POST
--    /credentials/status and verifiers find such an entry; certifications keep their URL id and leave it NULL. It is
--    not unique: clients (and the W3C test suites) issue the same id more than once; a status change applies to all.
ALTER TABLE credentials ADD COLUMN kind text NOT NULL DEFAULT 'certification'
    CONSTRAINT credentials_kind_check CHECK (kind IN ('certification', 'vc_api'));
ALTER TABLE credentials ADD COLUMN document_id text
    CONSTRAINT credentials_document_id_length CHECK (document_id IS NULL OR length(document_id) BETWEEN 1 AND 2000);
ALTER TABLE credentials ALTER COLUMN tier DROP NOT NULL;
ALTER TABLE credentials ALTER COLUMN valid_until DROP NOT NULL;
ALTER TABLE credentials ALTER COLUMN verification_code DROP NOT NULL;
ALTER TABLE credentials DROP CONSTRAINT credentials_one_subject;
ALTER TABLE credentials ADD CONSTRAINT credentials_kind_shape CHECK (
    (kind = 'certification' AND tier IS NOT NULL AND valid_until IS NOT NULL AND verification_code IS NOT NULL
        AND (holder_id IS NULL) <> (organization_id IS NULL))
    OR (kind = 'vc_api' AND tier IS NULL AND holder_id IS NULL AND organization_id IS NULL
        AND verification_code IS NULL));
CREATE INDEX credentials_document_id ON credentials (document_id) WHERE document_id IS NOT NULL;
-- A VC API credential's dates are the client's: no validUntil, or one already past when it is signed.
ALTER TABLE credentials DROP CONSTRAINT credentials_validity_order;
ALTER TABLE credentials ADD CONSTRAINT credentials_validity_order
    CHECK (kind = 'vc_api' OR valid_until > valid_from);

-- 2. Status-slot drawing without counting: each list keeps how many slots it has handed out (bumped in the issuing
--    transaction), and lists may be smaller than the spec's herd-privacy minimum only when configured so (tests).
ALTER TABLE status_lists ADD COLUMN allocated integer NOT NULL DEFAULT 0
    CONSTRAINT status_lists_allocated_range CHECK (allocated >= 0);
UPDATE status_lists s SET allocated = (
    SELECT count(*) FROM credentials c
    WHERE (s.purpose = 'revocation' AND c.revocation_list = s.id) OR (s.purpose = 'suspension' AND c.suspension_list = s.id));
ALTER TABLE status_lists DROP CONSTRAINT status_lists_size_check;
ALTER TABLE status_lists ADD CONSTRAINT status_lists_size_check CHECK (size >= 64 AND size % 8 = 0);

-- 3. Evidence has a life: which assessments a credential was issued on, and assessments invalidated when that
--    credential is revoked for assessment_invalidated or misconduct (the tier rules then refuse them).
CREATE TABLE credential_assessments (
    credential_id  text NOT NULL REFERENCES credentials (id),
    assessment_id  uuid NOT NULL REFERENCES assessments (id),
    CONSTRAINT credential_assessments_pkey PRIMARY KEY (credential_id, assessment_id)
);
INSERT INTO credential_assessments (credential_id, assessment_id)
SELECT DISTINCT e.credential_id, a.value::uuid
FROM events e CROSS JOIN LATERAL jsonb_array_elements_text(e.data -> 'assessments') AS a(value)
WHERE e.kind = 'credential_issued' AND e.credential_id IS NOT NULL AND jsonb_typeof(e.data -> 'assessments') = 'array'
  AND EXISTS (SELECT 1 FROM assessments WHERE id = a.value::uuid);

ALTER TABLE assessments ADD COLUMN invalidated_at timestamptz;
ALTER TABLE assessments ADD COLUMN invalidated_reason text;
ALTER TABLE assessments ADD COLUMN invalidated_with text REFERENCES credentials (id);
ALTER TABLE assessments ADD CONSTRAINT assessments_invalidation_shape
    CHECK ((invalidated_at IS NULL) = (invalidated_reason IS NULL));
