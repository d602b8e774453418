"""Alembic environment: runs on the connection handed over by ``db.migrate`` (or a URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from autopyfactory.monitor_server.db.engine import make_engine
from autopyfactory.monitor_server.db.schema import metadata

config = context.config


def _run(conn: Connection) -> None:
    context.configure(
        connection=conn, target_metadata=metadata, render_as_batch=conn.dialect.name == "sqlite"
    )
    with context.begin_transaction():
        context.run_migrations()


conn = config.attributes.get("connection")
if conn is not None:
    _run(conn)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as c:
        _run(c)
