"""Cryptography: Ed25519 keys, Multikey/did:key/JWK, JCS and RDFC canonicalisation, Data Integrity, JOSE.

Rule: proofs/ is pure and imports only errors, strict_json and caching of ours; only proofs/ imports
cryptography.hazmat.
"""
