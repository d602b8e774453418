"""Keeping each queue's history between cycles and adding it to the snapshot (the history hook).

This is factory state that belongs next to the cycle: with the engine driving the simulation it
becomes one of the cycle's snapshot hooks, fed from its reports (docs/simulation.md, "Engine
seams"). It only reads what the factory already has: the queue's earlier snapshots and decisions, its batch view (with the
pilot lives a batch source reports) and the time of the WMS data."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from autopyfactory.model.batch import BatchView
from autopyfactory.model.history import CycleSample, PilotTimes, QueueHistory, WMSQueueShare
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import WMSView

KEEP_SAMPLES = 64  # 6.4 h of 6-minute cycles


@dataclass(frozen=True, slots=True)
class Shared:
    """What the queues feeding one WMS queue have together."""

    share: WMSQueueShare
    pilots: tuple[PilotTimes, ...]


class HistoryKeeper:
    """Each queue's recent cycle samples (the last ``keep``) and the pilots of the queues that share its
    WMS queue, added to its next snapshot as its history."""

    def __init__(self, keep: int = KEEP_SAMPLES) -> None:
        self._samples: dict[str, deque[CycleSample]] = {}
        self.keep = keep

    @staticmethod
    def shares(queues: Iterable[tuple[str, str, BatchView | None]]) -> dict[str, Shared]:
        """Per WMS queue: the factory's queues (name, wmsqueue, their batch view) that feed it, their
        pilots now and the lives of their recent pilots."""
        acc: dict[str, list[int]] = {}
        lives: dict[str, list[tuple[str, tuple[PilotTimes, ...]]]] = {}
        for name, wmsqueue, view in queues:
            a = acc.setdefault(wmsqueue, [0, 0, 0])
            a[0] += 1
            if view is not None:
                q = view.queue(name)
                a[1] += q.pending
                a[2] += q.running
                lives.setdefault(wmsqueue, []).append((name, view.pilots.get(name, ())))
        out: dict[str, Shared] = {}
        for w, a in acc.items():
            parts = lives.get(w, [])
            pilots = parts[0][1] if len(parts) == 1 else tuple(p for _, ps in parts for p in ps)
            out[w] = Shared(WMSQueueShare(a[0], a[1], a[2]), pilots)
        return out

    def attach(
        self,
        snap: QueueSnapshot,
        batch: BatchView | None,
        wms: WMSView | None,
        shares: Mapping[str, Shared],
    ) -> QueueSnapshot:
        """``snap`` with its history."""
        pilots = batch.pilots.get(snap.queue, ()) if batch is not None and snap.batch is not None else ()
        shared = shares.get(snap.wmsqueue)
        history = QueueHistory(
            samples=tuple(self._samples.get(snap.queue, ())),
            pilots=pilots,
            wms_pilots=shared.pilots if shared is not None and snap.batch is not None else pilots,
            wms_taken_at=wms.taken_at if wms is not None and snap.wms is not None else None,
            share=shared.share if shared is not None else WMSQueueShare(),
        )
        return replace(snap, history=history)

    def record(self, snap: QueueSnapshot, acted: int) -> None:
        """Remember a decision: what the queue saw and how many pilots it submitted (or retired)."""
        d = self._samples.get(snap.queue)
        if d is None:
            d = self._samples[snap.queue] = deque(maxlen=self.keep)
        d.append(CycleSample(snap.now, snap.activated, snap.pending, snap.running, acted))

    def forget(self, queue: str) -> None:
        self._samples.pop(queue, None)
