"""Benchmarks that print figures, each run from the project's root as `python -m bench.NAME`."""
