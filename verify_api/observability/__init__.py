"""Watching the service run: Prometheus metrics (metrics.py), structured logs with request ids (logs.py), the ASGI
middleware that gives every request its id, access-log line and request metrics (middleware.py), and the tracker
that logs a database outage once with a count (outage.py).

Rule: observability/ imports only `errors` and `settings` of ours (never litestar or asyncpg: the middleware is
plain ASGI, and what it measures is handed to it); every other layer may import it.
"""
