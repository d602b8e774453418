"""Cutting one queue's snapshot out of a cycle's views, with the freshness rules."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.engine.wms_hold import WMSMemory, held_counts
from autopyfactory.model.batch import BatchView
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import WMSView


@dataclass(frozen=True, slots=True)
class Freshness:
    """Why a queue's inputs are (not) usable. ``problems`` empty: decide and act. ``notes``: how
    an input was adjusted (held WMS counts), for the decision line."""

    problems: tuple[str, ...] = ()
    repeat: bool = False  # the batch data is the one this queue already decided on
    notes: tuple[str, ...] = ()

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
    wms_memory: WMSMemory | None = None,
) -> tuple[QueueSnapshot, Freshness]:
    """The queue's snapshot: stale or missing data become ``None`` and are named in Freshness.
    ``factory_active`` is pending + running over every queue of the cycle (computed once per cycle).

    With ``wms_memory`` (the queue's readings and submissions, updated here) WMS counts held by a
    source whose refresh fails follow :mod:`.wms_hold`: not decided on when the trend was down,
    else less the pilots sent since they were taken."""
    problems: list[str] = []
    notes: list[str] = []
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
    incomplete = batch.incomplete.get(queue) if batch is not None else None
    if incomplete is not None:  # this queue's counts are not known (the source's others are)
        problems.append(f"no batch data: {incomplete}")
    counts = wms.queue(wmsqueue) if wms is not None else None
    if wms is not None and counts is not None and wms_memory is not None:
        wms_memory.observe(wms.counts_taken_at, counts.ready)
        if wms.counts_held:
            held = held_counts(counts, wms.counts_taken_at, wms_memory, wms.counts_held)
            counts = held.info
            (notes if counts is not None else problems).append(held.note)
    snap = QueueSnapshot(
        queue=queue,
        wmsqueue=wmsqueue,
        wms=counts,
        site=wms.site(wmsqueue) if wms is not None else None,
        batch=batch.queue(queue) if batch is not None and incomplete is None else None,
        factory_active=factory_active if batch is not None else None,
        finished=batch.finished.get(queue, ()) if batch is not None else (),
        now=batch.taken_at if batch is not None else now,
    )
    return snap, Freshness(tuple(problems), repeat, tuple(notes))
