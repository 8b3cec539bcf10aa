"""The `verify-api` command line: thin adapters over services/, one event loop and one connection per command.

Rule: cli/ may import services/, db/ (connections, migrations), settings and errors, and app.py only to serve or
to load the signing key; nothing but `__main__` imports cli/. Command modules import runtime.py, never main.py.
"""
