"""Benchmarks of DESIGN.md's budgets, run from the repository root: `python -m bench.run`."""
