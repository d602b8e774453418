"""Labels (one per factory queue): register in bulk, status messages, read, delete."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from autopyfactory.monitor_server.db.schema import factories, jobs, label_messages, labels
from autopyfactory.monitor_server.records import Label, LabelMessage

MSG_STORED = 255
MSG_KEPT = 1024


@dataclass(frozen=True, slots=True)
class LabelInfo:
    """A label to register."""

    name: str
    factory: str
    wmsqueue: str = ""
    batchqueue: str = ""
    resource: str = ""
    localqueue: str = ""


@dataclass(frozen=True, slots=True)
class LabelsResult:
    """How many labels a registration created and updated, of how many."""

    created: int
    updated: int
    total: int


_COLS = (labels, factories.c.name.label("factory"))
_ORDER = {"name": labels.c.name, "created": labels.c.created, "last_modified": labels.c.last_modified}
ORDERS = tuple(_ORDER) + tuple("-" + k for k in _ORDER)


def _label(row: Row[tuple[object, ...]]) -> Label:
    m = row._mapping
    return Label(
        id=m["id"],
        factory_id=m["factory_id"],
        factory=m["factory"],
        name=m["name"],
        wmsqueue=m["wmsqueue"],
        batchqueue=m["batchqueue"],
        resource=m["resource"],
        localqueue=m["localqueue"],
        msg=m["msg"],
        created=m["created"],
        last_modified=m["last_modified"],
        data=m["data"],
    )


def _base() -> Select[Any]:
    return select(*_COLS).join(factories, factories.c.id == labels.c.factory_id)


def get_label(conn: Connection, factory: str, name: str) -> Label | None:
    row = conn.execute(_base().where(factories.c.name == factory, labels.c.name == name)).first()
    return None if row is None else _label(row)


def list_labels(
    conn: Connection, factory: str | None = None, offset: int = 0, limit: int = 0, order: str = "name"
) -> list[Label]:
    """``limit`` 0 means all; ``order`` is one of ORDERS (a leading ``-`` sorts descending)."""
    stmt = _base()
    if factory:
        stmt = stmt.where(factories.c.name == factory)
    col = _ORDER[order.lstrip("-")]
    stmt = stmt.order_by(col.desc() if order.startswith("-") else col, labels.c.id)
    if offset:
        stmt = stmt.offset(offset)
    if limit:
        stmt = stmt.limit(limit)
    return [_label(r) for r in conn.execute(stmt)]


def register_labels(conn: Connection, items: Sequence[LabelInfo], now: float) -> LabelsResult:
    """Create or update; items naming an unknown factory are skipped (as APFMon did)."""
    names = sorted({i.factory for i in items})
    fids = {
        r.name: r.id
        for r in conn.execute(select(factories.c.id, factories.c.name).where(factories.c.name.in_(names)))
    }
    created = updated = 0
    for it in items:
        fid = fids.get(it.factory)
        if fid is None:
            continue
        values = {
            "wmsqueue": it.wmsqueue,
            "batchqueue": it.batchqueue,
            "resource": it.resource,
            "localqueue": it.localqueue,
            "last_modified": now,
        }
        res = conn.execute(
            update(labels).where(labels.c.factory_id == fid, labels.c.name == it.name).values(**values)
        )
        if res.rowcount:
            updated += 1
            continue
        try:
            with conn.begin_nested():  # another server process may create it at the same moment
                conn.execute(insert(labels).values(factory_id=fid, name=it.name, created=now, **values))
            created += 1
        except IntegrityError:
            conn.execute(
                update(labels).where(labels.c.factory_id == fid, labels.c.name == it.name).values(**values)
            )
            updated += 1
    return LabelsResult(created, updated, len(items))


def ensure_label(conn: Connection, factory_id: int, name: str, now: float, batchqueue: str = "") -> int:
    """The id of label ``name`` of the factory, created when missing (APF 2.4 registers a label only
    with its first pilots, yet posts every queue's status each cycle; APFMon v1 had no label calls)."""
    find = select(labels.c.id).where(labels.c.factory_id == factory_id, labels.c.name == name)
    row = conn.execute(find).first()
    if row is None:
        try:
            with conn.begin_nested():  # another server process may create it at the same moment
                conn.execute(
                    insert(labels).values(
                        factory_id=factory_id,
                        name=name,
                        batchqueue=batchqueue,
                        created=now,
                        last_modified=now,
                    )
                )
        except IntegrityError:
            pass
        row = conn.execute(find).one()
    return int(row.id)


def post_status(
    conn: Connection, label_id: int, msg: str, now: float, keep: int, data: str | None = None
) -> None:
    """Store a status message (first 255 characters on the label, the last ``keep`` in full) and,
    when given, the JSON ``data`` sent with it."""
    values: dict[str, object] = {"msg": msg[:MSG_STORED], "last_modified": now}
    if data is not None:
        values["data"] = data
    conn.execute(update(labels).where(labels.c.id == label_id).values(**values))
    conn.execute(insert(label_messages).values(label_id=label_id, at=now, text=msg[:MSG_KEPT], data=data))
    old = (
        select(label_messages.c.id)
        .where(label_messages.c.label_id == label_id)
        .order_by(label_messages.c.id.desc())
        .offset(max(keep, 1))
    )
    stale = [r.id for r in conn.execute(old)]
    if stale:
        conn.execute(delete(label_messages).where(label_messages.c.id.in_(stale)))


def messages(conn: Connection, label_id: int) -> list[LabelMessage]:
    rows = conn.execute(
        select(label_messages.c.at, label_messages.c.text, label_messages.c.data)
        .where(label_messages.c.label_id == label_id)
        .order_by(label_messages.c.id.desc())
    )
    return [LabelMessage(r.at, r.text, r.data) for r in rows]


def delete_label(conn: Connection, label_id: int) -> None:
    conn.execute(delete(labels).where(labels.c.id == label_id))


def delete_inactive_labels(conn: Connection, before: float) -> int:
    has_jobs = select(func.count()).where(jobs.c.label_id == labels.c.id).scalar_subquery()
    return conn.execute(delete(labels).where(labels.c.last_modified < before, has_jobs == 0)).rowcount
