"""Engines: SQLite (WAL, foreign keys, busy timeout) by default, PostgreSQL (psycopg 3) by URL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

WRITE = "apfmon_write"  # execution option marking a write transaction


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` use psycopg 3; everything else is left alone."""
    u = make_url(url.replace("postgres://", "postgresql://", 1) if url.startswith("postgres://") else url)
    if u.drivername == "postgresql":
        u = u.set(drivername="postgresql+psycopg")
    return u.render_as_string(hide_password=False)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(
    url: str, pool_size: int = 8, sqlite_busy_ms: int = 10000, sqlite_autocheckpoint: bool = True
) -> Engine:
    """``sqlite_busy_ms``: how long SQLite waits for another process's write lock (it sleeps in
    steps of up to 100 ms, blocking the caller); 0 fails at once, for callers that retry themselves.
    ``sqlite_autocheckpoint=False``: commits never copy the WAL back into the database (with its
    fsync); the server does that in a background thread instead (``db.checkpoint``)."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        eng = create_engine(url, connect_args={"check_same_thread": False, "timeout": sqlite_busy_ms / 1000})

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            if ":memory:" not in url and url not in ("sqlite://", "sqlite:///"):
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(sqlite_busy_ms)}")
            if not sqlite_autocheckpoint:
                cur.execute("PRAGMA wal_autocheckpoint=0")
            cur.close()
            dbapi_conn.isolation_level = None  # transactions are begun below, not by the driver

        @event.listens_for(eng, "begin")
        def _begin(conn: Connection) -> None:
            # a write transaction takes the write lock up front: two processes that both read, then
            # write, would otherwise fail with "database is locked" instead of waiting their turn
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(WRITE) else "BEGIN")

        return eng
    eng = create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=3600)
    # many-row INSERTs as batched multi-VALUES statements (psycopg's executemany sends row by row)
    eng.dialect.use_insertmanyvalues_wo_returning = True
    return eng
