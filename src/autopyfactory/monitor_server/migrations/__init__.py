"""Alembic migrations of the monitor database (``script_location`` = this package)."""
