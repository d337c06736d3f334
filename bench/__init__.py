"""Benchmarks with their targets (run: python -m bench)."""
