"""Each queue's history, kept by the factory between cycles and handed to its sched chain.

A :class:`HistoryKeeper` is one of the cycle's snapshot hooks (:meth:`HistoryKeeper.attach`) and
listens to its reports (:meth:`HistoryKeeper.record`). It reads only what the factory already has:
the queue's earlier snapshots and decisions, the lives of recent pilots that a batch status source
reports (``BatchView.pilots``), the time of the WMS data, and the pilots of the factory's other
queues that feed the same WMS queue. It adds the pilots the queue itself withdrew: the engine removes
the newest pending ones, so the keeper knows which (their submission times) and when, and lists
them as ended without starting for ``WITHDRAWN_SPAN`` (a batch system's queue no longer lists a
removed pilot, and its history may not). Without them a policy that withdraws would see only the
pending pilots that were lucky enough to start, and read the site's start waits as shorter than
they are. ``decide`` stays a pure function: the history is an input
(``QueueSnapshot.history``), no plugin keeps state of its own."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from autopyfactory.engine.outcome import ActionKind, CycleReport
from autopyfactory.model.batch import BatchView
from autopyfactory.model.history import CycleSample, PilotTimes, QueueHistory, SiblingQueue, WMSQueueShare
from autopyfactory.model.snapshot import QueueSnapshot

if TYPE_CHECKING:
    from autopyfactory.engine.cycle import QueueViews
    from autopyfactory.engine.queue import QueueRuntime

KEEP_SAMPLES = 64  # earlier decisions kept per queue (6.4 h of 6-minute cycles)
WITHDRAWN_SPAN = 6 * 3600.0  # pilots withdrawn this long ago are still listed
WITHDRAWN_KEPT = 2048  # at most this many per queue

StatusKey = tuple[str, str, Hashable]


@dataclass(frozen=True, slots=True)
class Shared:
    """What the factory's queues feeding one WMS queue have together."""

    share: WMSQueueShare
    pilots: tuple[PilotTimes, ...]


def shares(
    queues: Iterable[tuple[str, str, BatchView | None]],
    withdrawn: Mapping[str, tuple[PilotTimes, ...]] | None = None,
) -> dict[str, Shared]:
    """Per WMS queue: the queues (name, wmsqueue, their batch view) that feed it, their pilots now
    and the lives of their recent pilots (those a batch view lists, then those ``withdrawn`` by
    each queue)."""
    members: dict[str, list[SiblingQueue]] = {}
    gone = withdrawn or {}
    for name, wmsqueue, view in queues:
        if view is None:
            member = SiblingQueue(name)
        else:
            q = view.queue(name)
            member = SiblingQueue(
                name, q.pending, q.running, (*view.pilots.get(name, ()), *gone.get(name, ()))
            )
        members.setdefault(wmsqueue, []).append(member)
    out: dict[str, Shared] = {}
    for w, ms in members.items():
        pilots = ms[0].pilots if len(ms) == 1 else tuple(p for m in ms for p in m.pilots)
        share = WMSQueueShare(len(ms), sum(m.pending for m in ms), sum(m.running for m in ms), tuple(ms))
        out[w] = Shared(share, pilots)
    return out


class HistoryKeeper:
    """``queues()``: the factory's running queues; ``batch_views()``: the newest view of each batch
    status source (the cycle's)."""

    def __init__(
        self,
        queues: Callable[[], Iterable[QueueRuntime]],
        batch_views: Callable[[], Mapping[StatusKey, BatchView]],
        keep: int = KEEP_SAMPLES,
    ) -> None:
        self._queues = queues
        self._batch_views = batch_views
        self._samples: dict[str, deque[CycleSample]] = {}
        self._withdrawn: dict[str, deque[PilotTimes]] = {}
        self._shared: tuple[tuple[object, ...], dict[str, Shared]] | None = None
        self.keep = keep

    def _shares(self) -> dict[str, Shared]:
        """The shares as of the newest batch views (computed once per set of views)."""
        views = self._batch_views()
        queues = list(self._queues())
        key = (*((k, id(v)) for k, v in views.items()), *(rt.name for rt in queues))
        if self._shared is None or self._shared[0] != key:
            got = shares(
                ((rt.name, rt.wmsqueue, views.get(rt.batch_key)) for rt in queues),
                {q: tuple(d) for q, d in self._withdrawn.items()},
            )
            self._shared = (key, got)
        return self._shared[1]

    def attach(self, queue: QueueRuntime, snapshot: QueueSnapshot, views: QueueViews) -> QueueSnapshot:
        """The snapshot hook: ``snapshot`` with the queue's history."""
        snap = snapshot
        batch, wms = views.batch, views.wms
        has_batch = batch is not None and snap.batch is not None
        pilots = batch.pilots.get(snap.queue, ()) if batch is not None and has_batch else ()
        gone = self._withdrawn.get(snap.queue)
        if pilots and gone:
            pilots = (*pilots, *gone)
        shared = self._shares().get(snap.wmsqueue)
        history = QueueHistory(
            samples=tuple(self._samples.get(snap.queue, ())),
            pilots=pilots,
            wms_pilots=shared.pilots if shared is not None and has_batch else pilots,
            wms_taken_at=wms.taken_at if wms is not None and snap.wms is not None else None,
            share=shared.share if shared is not None else WMSQueueShare(),
        )
        return replace(snap, history=history)

    def record(self, report: CycleReport) -> None:
        """Remember each decision of the cycle: what the queue saw and the pilots it added (or
        removed)."""
        for out in report.outcomes:
            snap = out.snapshot
            if snap is None or out.decision is None:
                continue
            acted = out.submitted if out.kind is ActionKind.SUBMIT else -(out.retired + out.withdrawn)
            d = self._samples.get(snap.queue)
            if d is None:
                d = self._samples[snap.queue] = deque(maxlen=self.keep)
            d.append(CycleSample(snap.now, snap.activated, snap.pending, snap.running, acted))
            self._note_withdrawn(snap, out.withdrawn)
        if len(self._samples) > 2 * max(1, len(list(self._queues()))):
            names = {rt.name for rt in self._queues()}
            for gone in [q for q in self._samples if q not in names]:
                del self._samples[gone]
                self._withdrawn.pop(gone, None)

    def _note_withdrawn(self, snap: QueueSnapshot, n: int) -> None:
        """The queue withdrew ``n`` pilots at ``snap.now``: the newest of those pending (the engine
        removes the newest first), as the snapshot's history listed them."""
        d = self._withdrawn.get(snap.queue)
        if d is not None:
            while d and d[0].ended_at is not None and d[0].ended_at < snap.now - WITHDRAWN_SPAN:
                d.popleft()
        if n <= 0 or snap.history is None:
            return
        listed = [p for p in snap.history.pilots if p.started_at is None and p.ended_at is None]
        listed.sort(key=lambda p: p.submitted_at, reverse=True)
        if d is None:
            d = self._withdrawn[snap.queue] = deque(maxlen=WITHDRAWN_KEPT)
        for p in sorted(listed[:n], key=lambda p: p.submitted_at):
            d.append(PilotTimes(p.submitted_at, None, snap.now))

    def samples(self, queue: str) -> tuple[CycleSample, ...]:
        return tuple(self._samples.get(queue, ()))

    def withdrawn(self, queue: str) -> tuple[PilotTimes, ...]:
        """The pilots ``queue`` withdrew in the last ``WITHDRAWN_SPAN``, as they are listed to it."""
        return tuple(self._withdrawn.get(queue, ()))
