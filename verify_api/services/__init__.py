"""Use cases: each owns its transaction, takes `now`, and composes domain/, proofs/, badges/, verification/, db/.

Rule: services/ never imports api/, cli/ or app.py, nor litestar; HTTP handlers and CLI commands call into it.
"""
