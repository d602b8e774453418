"""A local PanDA-compatible testbed: a small server (job statistics, pilot dispatch, CRIC-style queue
configuration) backed by SQLite, and a stdlib-only reference pilot."""
