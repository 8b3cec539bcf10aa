"""Verifying a presented credential: input -> document -> proof -> checks -> `VerificationReport`.

Pure: the caller (`verify_api.services.verification`) fetches what the database knows (our keys, the register
entry) and passes it in. `presented` reads the input, `document` checks its shape, `keyring` resolves keys
offline, `securing` verifies the proof, `assessment` turns everything into one check per question.

Rule: verification/ does no I/O and never imports services/, api/, cli/ or app.py, asyncpg or litestar.
"""
