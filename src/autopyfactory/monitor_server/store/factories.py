"""Factories: register (PUT), read, delete, cycle bookkeeping."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from autopyfactory.monitor_server.db.schema import factories, jobs
from autopyfactory.monitor_server.records import Factory


@dataclass(frozen=True, slots=True)
class FactoryInfo:
    """What a factory says about itself on registration."""

    version: str = ""
    email: str = ""
    url: str = ""
    factory_type: str = "AutoPyFactory"


def _factory(row: Row[tuple[object, ...]]) -> Factory:
    m = row._mapping
    return Factory(
        id=m["id"],
        name=m["name"],
        ip=m["ip"],
        email=m["email"],
        url=m["url"],
        version=m["version"],
        factory_type=m["factory_type"],
        created=m["created"],
        last_modified=m["last_modified"],
        last_startup=m["last_startup"],
        last_cycle=m["last_cycle"],
        last_ncreated=m["last_ncreated"],
        previous_ip=m["previous_ip"],
        ip_changed=m["ip_changed"],
        cycle_interval=m["cycle_interval"],
        status_dropped=m["status_dropped"],
    )


def get_factory(conn: Connection, name: str) -> Factory | None:
    row = conn.execute(select(factories).where(factories.c.name == name)).first()
    return None if row is None else _factory(row)


def list_factories(conn: Connection) -> list[Factory]:
    return [_factory(r) for r in conn.execute(select(factories).order_by(factories.c.name))]


def register_factory(
    conn: Connection, name: str, info: FactoryInfo, ip: str | None, now: float
) -> tuple[Factory, bool]:
    """Create or update; returns (factory, created). A registration from another address than the
    one on record moves the factory there (the old address is kept as ``previous_ip``): whether the
    caller may do that is the authorizer's decision, taken before. ``ip`` None: keep the address on
    record (none for a new factory)."""
    values: dict[str, object] = {
        "email": info.email,
        "url": info.url,
        "version": info.version,
        "factory_type": info.factory_type,
        "last_modified": now,
        "last_startup": now,
    }
    existing = get_factory(conn, name)
    if existing is None:
        conn.execute(insert(factories).values(name=name, created=now, ip=ip or "", **values))
    else:
        if ip is not None:
            values["ip"] = ip
        if ip is not None and existing.ip and existing.ip != ip:
            values.update(previous_ip=existing.ip, ip_changed=now)
        conn.execute(update(factories).where(factories.c.id == existing.id).values(**values))
    fac = get_factory(conn, name)
    assert fac is not None
    return fac, existing is None


def delete_factory(conn: Connection, name: str) -> bool:
    return conn.execute(delete(factories).where(factories.c.name == name)).rowcount > 0


def record_cycle(conn: Connection, factory_id: int, now: float) -> None:
    """A label status message arrived: the factory has just cycled (APF 2.4 posts every queue's
    status each cycle)."""
    conn.execute(
        update(factories).where(factories.c.id == factory_id).values(last_cycle=now, last_modified=now)
    )


def record_created(conn: Connection, factory_id: int, n: int, now: float) -> None:
    conn.execute(
        update(factories).where(factories.c.id == factory_id).values(last_ncreated=n, last_modified=now)
    )


def release_address(conn: Connection, name: str) -> bool:
    """Forget the address ``name`` registered from: its next registration, from anywhere, binds it
    again (address authentication). False when there is no such factory."""
    fac = get_factory(conn, name)
    if fac is None:
        return False
    values: dict[str, object] = {"ip": ""}
    if fac.ip:
        values.update(previous_ip=fac.ip)
    conn.execute(update(factories).where(factories.c.id == fac.id).values(**values))
    return True


def factory_addresses(conn: Connection, names: Sequence[str]) -> dict[str, str]:
    rows = conn.execute(select(factories.c.name, factories.c.ip).where(factories.c.name.in_(names)))
    return {r.name: r.ip for r in rows}


def delete_inactive_factories(conn: Connection, before: float) -> int:
    """Factories unmodified since ``before`` that have no jobs left."""
    has_jobs = select(func.count()).where(jobs.c.factory_id == factories.c.id).scalar_subquery()
    stmt = delete(factories).where(factories.c.last_modified < before, has_jobs == 0)
    return conn.execute(stmt).rowcount
