"""Benchmarks that show how OpenNRM's reads and writes scale with the size of its tables (see README.md)."""
