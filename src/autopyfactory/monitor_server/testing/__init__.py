"""Helpers for tests and benchmarks (a throwaway PostgreSQL cluster, a server in a subprocess)."""
