"""What one APF queue sees when it decides: its slice of the WMS and batch views."""

from __future__ import annotations

from dataclasses import dataclass

from autopyfactory.model.batch import BatchQueueInfo, FinishedPilot
from autopyfactory.model.history import QueueHistory
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo


@dataclass(frozen=True, slots=True)
class QueueSnapshot:
    """The inputs of one decision. ``None`` means the source gave no usable (fresh) data.

    ``now`` is the time the snapshot stands for (the batch view's time); plugins that need a clock
    (Throttle's window) use it, never the wall clock, so a decision is reproducible.

    ``history`` is what the queue saw before (earlier cycles, its recent pilots), for plugins that
    learn from it; None when the factory keeps none."""

    queue: str
    wmsqueue: str
    wms: WMSQueueInfo | None
    site: SiteInfo | None
    batch: BatchQueueInfo | None
    factory_active: int | None = None
    finished: tuple[FinishedPilot, ...] = ()
    now: float = 0.0
    history: QueueHistory | None = None

    @property
    def activated(self) -> int | None:
        return None if self.wms is None else self.wms.ready

    @property
    def pending(self) -> int | None:
        return None if self.batch is None else self.batch.pending

    @property
    def running(self) -> int | None:
        return None if self.batch is None else self.batch.running
