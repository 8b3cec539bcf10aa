-- SD-JWT issuance (issue 12, helper sdjwt): POST /credentials/issue also signs `application/vc+sd-jwt` credentials
-- (VC-JOSE-COSE §3.2.1, RFC 9901), with EdDSA or ES256 like the vc+jwt ones. Their register rows record it in
-- `cryptosuite`: 'sd-jwt-EdDSA' or 'sd-jwt-ES256'; the row's document is the payload the issuer signed (with its
-- `_sd` digests), never a holder's disclosed claims.
ALTER TABLE credentials DROP CONSTRAINT credentials_cryptosuite_check;
ALTER TABLE credentials ADD CONSTRAINT credentials_cryptosuite_check
    CHECK (cryptosuite IN ('eddsa-rdfc-2022', 'eddsa-jcs-2022', 'jose-EdDSA', 'jose-ES256', 'sd-jwt-EdDSA', 'sd-jwt-ES256'));
