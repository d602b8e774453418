"""A named lease in the database, so that one of several server processes runs the expiry task."""

from __future__ import annotations

from sqlalchemy import Connection, insert, or_, update
from sqlalchemy.exc import IntegrityError

from autopyfactory.monitor_server.db.schema import leases


def acquire(conn: Connection, name: str, holder: str, now: float, ttl: float) -> bool:
    """Take or renew ``name`` for ``holder`` until ``now + ttl``; False while another holder has it."""
    res = conn.execute(
        update(leases)
        .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.expires < now))
        .values(holder=holder, expires=now + ttl)
    )
    if res.rowcount:
        return True
    try:
        with conn.begin_nested():
            conn.execute(insert(leases).values(name=name, holder=holder, expires=now + ttl))
    except IntegrityError:
        return False
    return True
