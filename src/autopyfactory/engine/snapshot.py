"""Cutting one queue's snapshot out of a cycle's views, with the freshness rules."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.model.batch import BatchView
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import WMSView


@dataclass(frozen=True, slots=True)
class Freshness:
    """Why a queue's inputs are (not) usable. ``problems`` empty: decide and act."""

    problems: tuple[str, ...] = ()
    repeat: bool = False  # the batch data is the one this queue already decided on

    @property
    def ok(self) -> bool:
        return not self.problems and not self.repeat


def build_snapshot(
    queue: str,
    wmsqueue: str,
    wms: WMSView | None,
    batch: BatchView | None,
    factory_active: int | None,
    now: float,
    wms_maxage: float,
    batch_maxage: float,
    last_batch_at: float | None,
    wms_required: bool = True,
) -> tuple[QueueSnapshot, Freshness]:
    """The queue's snapshot: stale or missing data become ``None`` and are named in Freshness.
    ``factory_active`` is pending + running over every queue of the cycle (computed once per cycle)."""
    problems: list[str] = []
    if wms is not None and now - wms.taken_at > wms_maxage:
        problems.append(f"wms data {now - wms.taken_at:.0f}s old > maxage {wms_maxage:.0f}s")
        wms = None
    elif wms is None and wms_required:
        problems.append("no wms data")
    if batch is not None and now - batch.taken_at > batch_maxage:
        problems.append(f"batch data {now - batch.taken_at:.0f}s old > maxage {batch_maxage:.0f}s")
        batch = None
    elif batch is None:
        problems.append("no batch data")
    repeat = batch is not None and last_batch_at is not None and batch.taken_at <= last_batch_at
    snap = QueueSnapshot(
        queue=queue,
        wmsqueue=wmsqueue,
        wms=wms.queue(wmsqueue) if wms is not None else None,
        site=wms.site(wmsqueue) if wms is not None else None,
        batch=batch.queue(queue) if batch is not None else None,
        factory_active=factory_active if batch is not None else None,
        finished=batch.finished.get(queue, ()) if batch is not None else (),
        now=batch.taken_at if batch is not None else now,
    )
    return snap, Freshness(tuple(problems), repeat)
