-- VC-JOSE-COSE issuance (issue 12, helper jose12): POST /credentials/issue also signs `application/vc+jwt`
-- credentials, with EdDSA (the Ed25519 key) or ES256 (the P-256 key). Their register rows record how they were
-- secured in `cryptosuite`: 'jose-EdDSA' or 'jose-ES256' (a JWS algorithm, not a Data Integrity cryptosuite).
ALTER TABLE credentials DROP CONSTRAINT credentials_cryptosuite_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_cryptosuite_check
    CHECK (cryptosuite IN ('eddsa-rdfc-2022', 'eddsa-jcs-2022', 'jose-EdDSA', 'jose-ES256'));
