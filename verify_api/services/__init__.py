"""Use cases: each takes the one `ServiceContext` (context.py) and `now`, and composes domain/, proofs/, badges/,
verification/, db/. A write is one command owning its whole transaction, follow-ups included (the organisation
rules it triggers, the audit checkpoint); a read never writes.

Rule: services/ never imports api/, cli/ or app.py, nor litestar; HTTP handlers and CLI commands call into it.
"""
