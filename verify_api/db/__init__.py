"""Storage: the asyncpg pool, named SQL statements (package data), repositories, migrations.

Rule: db/ imports only errors, settings and domain value types of ours; only db/ imports asyncpg (others type
connections as db.pool.Connection).
"""
