"""Reusable invariant checks for tests that run the real factory: the process table, the Local pilot
registry, pilot-written marker files, the filesystem and timing. Each check returns a list of
violations (plain sentences naming what broke); an empty list means the invariant holds."""
