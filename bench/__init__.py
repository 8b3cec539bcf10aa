"""Benchmarks for PAI Verify: `python -m bench` (or `make bench`) runs every registered part in one go.

Each part lives in its own module and registers itself in `bench.registry`; `bench/RESULTS.md` records the
figures together with the machine and the command that produced them.
"""
