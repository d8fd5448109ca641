"""Benchmarks: measure the speed, scale and memory claims against the fakes; they report, never fail."""
