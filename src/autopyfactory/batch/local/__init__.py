"""The local batch backend: pilots are processes on this machine, tracked in a SQLite registry."""
