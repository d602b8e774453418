"""Building sched plugins and snapshots for tests."""

from __future__ import annotations

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo, FinishedPilot
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo
from autopyfactory.plugins.registry import registry
from autopyfactory.sched.base import SCHED, SchedPlugin


def plugin(name: str, factory: dict[str, str] | None = None, **keys: object) -> SchedPlugin:
    """A sched plugin configured with ``keys`` (dots written as '__': sched__ready__offset)."""
    values = {k.replace("__", "."): str(v) for k, v in keys.items()}
    cls = registry.get(SCHED, name)
    return cls(ConfigSection.from_dict("Q", values), ConfigSection.from_dict("Factory", factory or {}))  # type: ignore[no-any-return]


def snap(
    activated: int | None = 0,
    pending: int | None = 0,
    running: int = 0,
    status: str | None = "online",
    total: int | None = None,
    finished: tuple[FinishedPilot, ...] = (),
    now: float = 10_000.0,
) -> QueueSnapshot:
    batch = None if pending is None else BatchQueueInfo(pending=pending, running=running)
    return QueueSnapshot(
        queue="Q",
        wmsqueue="W",
        wms=None if activated is None else WMSQueueInfo(ready=activated),
        site=None if status is None else SiteInfo(status),
        batch=batch,
        factory_active=(pending or 0) + running if total is None and batch is not None else total,
        finished=finished,
        now=now,
    )
