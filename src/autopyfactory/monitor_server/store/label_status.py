"""The factories' reports on their queues: one status row per label, samples over time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from autopyfactory.monitor_server.db.schema import factories, label_samples, label_status, labels
from autopyfactory.monitor_server.db.upsert import Updates, upsert
from autopyfactory.monitor_server.queue_health import (
    CycleWrite,
    QueueHealth,
    QueueReport,
    QueueSample,
    sources_from_text,
    sources_to_text,
)
from autopyfactory.monitor_server.store.labels import ensure_label, post_status

CHAIN_KEPT = 16384  # characters of a chain kept whole (a chain of 2.4's plugins is a few hundred)
TEXT_KEPT = 2048  # a reason, an error
SAMPLES_PER_WINDOW = 720  # a queue's samples over the plot's window, at most (the plot's resolution)


def cut(text: str, limit: int = TEXT_KEPT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusWrite(QueueReport):
    """One queue of a factory's cycle report, by the label name and WMS/batch queue it reports."""

    name: str
    wmsqueue: str = ""
    batchqueue: str = ""


@dataclass(frozen=True, slots=True)
class FactoryCycle:
    """What a cycle report says about the factory itself."""

    interval: float | None
    dropped: int


_STATE_COLUMNS = ("reported_at", "config_state", "config_reason", "config_since", "cycle_interval", "cycles")
_CYCLE_COLUMNS = (
    "cycled_at", "action", "action_text", "decision", "target", "reason", "error", "chain", "activated",
    "pending", "running", "site", "batch_pending", "batch_running", "batch_done", "batch_at", "sources",
)  # fmt: skip


def record_cycle_report(
    conn: Connection,
    factory_id: int,
    writes: Sequence[StatusWrite],
    about: FactoryCycle,
    now: float,
    keep_messages: int,
    window: float,
) -> None:
    """Store each queue's report (its label is created when missing), a sample of its inputs (at
    most SAMPLES_PER_WINDOW per ``window`` seconds, those older than ``window`` dropped), its chain
    as a status message; then the factory's cycle, interval and drops."""
    for w in writes:
        label_id = ensure_label(conn, factory_id, w.name, now, w.batchqueue)
        names: dict[str, object] = {"last_modified": now}
        if w.wmsqueue:
            names["wmsqueue"] = w.wmsqueue[:128]
        if w.batchqueue:
            names["batchqueue"] = w.batchqueue[:128]
        conn.execute(update(labels).where(labels.c.id == label_id).values(**names))
        row: dict[str, Any] = {
            "label_id": label_id,
            "reported_at": now,
            "config_state": (w.config_state or None) and w.config_state[:32],
            "config_reason": cut(w.config_reason),
            "config_since": w.config_since,
            "cycle_interval": w.cycle_interval,
            "cycles": w.cycles,
        }
        columns: tuple[str, ...] = _STATE_COLUMNS
        c = w.cycle
        if c is not None:
            columns = _STATE_COLUMNS + _CYCLE_COLUMNS
            row.update(
                cycled_at=c.cycled_at,
                action=c.action[:16],
                action_text=c.action_text[:255],
                decision=c.decision,
                target=c.target,
                reason=cut(c.reason),
                error=cut(c.error),
                chain=cut(c.chain, CHAIN_KEPT),
                activated=c.activated,
                pending=c.pending,
                running=c.running,
                site=(c.site or None) and c.site[:32],
                batch_pending=c.batch_pending,
                batch_running=c.batch_running,
                batch_done=c.batch_done,
                batch_at=c.batch_at,
                sources=sources_to_text(c.sources),
            )
        upsert(conn, label_status, [row], ["label_id"], _setting(columns))
        if c is not None:
            if c.chain:
                post_status(conn, label_id, c.chain, now, keep_messages)
            _sample(conn, label_id, c, window)
    values: dict[str, object] = {"last_cycle": now, "last_modified": now, "status_dropped": about.dropped}
    if about.interval is not None:
        values["cycle_interval"] = about.interval
    conn.execute(update(factories).where(factories.c.id == factory_id).values(**values))


def _setting(columns: tuple[str, ...]) -> Updates:
    """An upsert's update: these columns take the new row's values."""
    return lambda table, excluded: {k: excluded[k] for k in columns}


def record_chain(conn: Connection, label_id: int, chain: str, now: float) -> None:
    """A status message posted alone (APF 2.4, Harvester): the queue's chain, kept whole, and the
    time of its cycle (such factories post every queue's status each cycle)."""
    row = {"label_id": label_id, "reported_at": now, "cycled_at": now, "chain": cut(chain, CHAIN_KEPT)}
    upsert(conn, label_status, [row], ["label_id"], _setting(("reported_at", "cycled_at", "chain")))


def _sample(conn: Connection, label_id: int, c: CycleWrite, window: float) -> None:
    if c.activated is None and c.pending is None and c.running is None:
        return
    at = c.cycled_at
    last = conn.execute(
        select(func.max(label_samples.c.at)).where(label_samples.c.label_id == label_id)
    ).scalar()
    if last is not None and 0 <= at - float(last) < window / SAMPLES_PER_WINDOW:
        return
    conn.execute(
        insert(label_samples).values(
            label_id=label_id, at=at, activated=c.activated, pending=c.pending, running=c.running
        )
    )
    conn.execute(
        delete(label_samples).where(label_samples.c.label_id == label_id, label_samples.c.at < at - window)
    )


def _health(row: Row[tuple[object, ...]]) -> QueueHealth:
    m = row._mapping
    cycle = None
    if m["cycled_at"] is not None:
        cycle = CycleWrite(
            cycled_at=m["cycled_at"],
            action=m["action"],
            action_text=m["action_text"],
            decision=m["decision"],
            target=m["target"],
            reason=m["reason"],
            error=m["error"],
            chain=m["chain"],
            activated=m["activated"],
            pending=m["pending"],
            running=m["running"],
            site=m["site"],
            batch_pending=m["batch_pending"],
            batch_running=m["batch_running"],
            batch_done=m["batch_done"],
            batch_at=m["batch_at"],
            sources=sources_from_text(m["sources"]),
        )
    return QueueHealth(
        label_id=m["label_id"],
        reported_at=m["reported_at"],
        config_state=m["config_state"],
        config_reason=m["config_reason"],
        config_since=m["config_since"],
        cycle_interval=m["cycle_interval"],
        cycles=m["cycles"],
        cycle=cycle,
    )


def health_of(conn: Connection, label_ids: Sequence[int]) -> dict[int, QueueHealth]:
    """The status rows of these labels (labels without one are left out)."""
    if not label_ids:
        return {}
    rows = conn.execute(select(label_status).where(label_status.c.label_id.in_(label_ids)))
    return {h.label_id: h for h in map(_health, rows)}


def health_by_factory(conn: Connection) -> dict[int, list[QueueHealth]]:
    """Every status row, by the id of its label's factory."""
    rows = conn.execute(
        select(label_status, labels.c.factory_id).join(labels, labels.c.id == label_status.c.label_id)
    )
    out: dict[int, list[QueueHealth]] = {}
    for r in rows:
        out.setdefault(int(r._mapping["factory_id"]), []).append(_health(r))
    return out


def samples_of(conn: Connection, label_id: int, since: float) -> list[QueueSample]:
    rows = conn.execute(
        select(
            label_samples.c.at, label_samples.c.activated, label_samples.c.pending, label_samples.c.running
        )
        .where(label_samples.c.label_id == label_id, label_samples.c.at >= since)
        .order_by(label_samples.c.at)
    )
    return [QueueSample(r.at, r.activated, r.pending, r.running) for r in rows]
