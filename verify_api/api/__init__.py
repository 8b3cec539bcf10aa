"""HTTP: Litestar routes, guards, dependencies and the RFC 9457 problem mapping; thin adapters over services/.

Rule: api/ may import services/, verification/, domain/, proofs/, db/ (connections), schemas, settings and errors;
only api/ and app.py import litestar, and nothing but app.py imports api/.
"""
