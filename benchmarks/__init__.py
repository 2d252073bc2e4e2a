"""Benchmarks of DSO Desktop (`make bench`): every figure against a floor from the same run."""
