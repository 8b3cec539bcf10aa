"""Cryptography: Ed25519 keys (and other issuers' P-256/P-384 public keys), Multikey/did:key/JWK, JCS and RDFC
canonicalisation, Data Integrity, JOSE.

Rule: proofs/ is pure and imports only errors, strict_json and caching of ours; only proofs/ imports
cryptography.hazmat.
"""
