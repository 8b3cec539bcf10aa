"""Templates (Jinja2, autoescaped) and static assets of the public HTML pages; rendered by `api/pages.py`."""
