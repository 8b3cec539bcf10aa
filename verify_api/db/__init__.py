"""Storage: the asyncpg pool, named SQL statements (package data), repositories, migrations.

Rule: db/ imports only errors of ours; only db/ imports asyncpg (others type connections as db.pool.Connection).
"""
