"""``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL (both speak it; SQLAlchemy builds
it per dialect)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ColumnElement

# (the table's columns, the row that conflicted: ``excluded``) -> values to set on the existing row
Updates = Callable[[Any, Any], Mapping[str, ColumnElement[Any]]]


def upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, object]],
    keys: Sequence[str],
    updates: Updates,
) -> None:
    """Insert ``rows``; a row whose ``keys`` exist already updates that row with ``updates`` instead.
    ``rows`` must not repeat a key (PostgreSQL refuses to update one row twice in a statement)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        pg = postgresql.insert(table)
        stmt: Any = pg.on_conflict_do_update(index_elements=list(keys), set_=updates(table.c, pg.excluded))
    elif conn.dialect.name == "sqlite":
        lite = sqlite.insert(table)
        stmt = lite.on_conflict_do_update(index_elements=list(keys), set_=updates(table.c, lite.excluded))
    else:  # pragma: no cover - the monitor runs on SQLite or PostgreSQL
        raise NotImplementedError(f"upsert on {conn.dialect.name}")
    conn.execute(stmt, list(rows))
