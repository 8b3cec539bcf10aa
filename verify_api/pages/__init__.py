"""Templates (Jinja2, autoescaped) and static assets of the public HTML pages; rendered by `api/pages.py`.

Rule: pages/ holds data only (no Python beyond this file); it is read as package data, never imported for code.
"""
