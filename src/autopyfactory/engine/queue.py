"""One APF queue at run time: its chain, its status sources, its submit plugin and monitors, and
what it remembers between cycles."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.calls import RunningCall
from autopyfactory.engine.status_hub import StatusKey
from autopyfactory.engine.wms_hold import WMSMemory
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.submit import BatchSubmitPlugin
from autopyfactory.sched.base import SchedPlugin

log = logging.getLogger(__name__)

DUE_SLACK = 0.001  # seconds: a queue whose sleep ends this close to the cycle's time is due


@dataclass(eq=False)
class QueueRuntime:
    """One APF queue as the cycle runs it.

    Built parts: the queue's effective configuration ``section``, its ``wmsqueue``, its sched
    ``chain``, the keys of its status sources in the factory's
    :class:`~autopyfactory.engine.status_hub.StatusHub` (``wms_key`` None: the queue reads no WMS)
    and the age beyond which their data counts as missing, its ``submitter`` and its ``monitors``,
    and ``sleep`` (``apfqueue.sleep``: seconds from one of its cycles to the next). The factory
    builds one per queue with :func:`autopyfactory.engine.queue_builder.build_queue`.

    State between cycles: when it last took part in a cycle (``last_attempt_at``) and decided
    (``last_decision_at``), the time of the batch view it last decided on (``last_batch_at``: it
    never decides twice on one), the action still under way (``acting``) and a plugin call that
    overran its deadline and has not returned (``overrun``), and its recent WMS readings and
    submissions (``wms_memory``: the rule for WMS counts held by a failing source)."""

    section: ConfigSection
    wmsqueue: str
    chain: list[SchedPlugin]
    wms_key: StatusKey | None
    batch_key: StatusKey
    wms_maxage: float
    batch_maxage: float
    submitter: BatchSubmitPlugin
    monitors: list[MonitorPlugin] = field(default_factory=list)
    sleep: float = 360.0
    last_attempt_at: float | None = None
    last_decision_at: float | None = None
    last_batch_at: float | None = None
    cycles: int = 0  # cycles in which it decided
    acting: Future[Any] | None = None  # this queue's submission or retirement under way
    overrun: RunningCall | None = None  # a plugin call past its deadline, still running
    wms_memory: WMSMemory = field(default_factory=WMSMemory)

    @property
    def name(self) -> str:
        return self.section.name

    @property
    def status_keys(self) -> list[StatusKey]:
        return [k for k in (self.wms_key, self.batch_key) if k is not None]

    def is_acting(self) -> bool:
        """Its action of an earlier cycle is still under way."""
        return self.acting is not None and not self.acting.done()

    def busy(self) -> str:
        """Why the queue cannot start a cycle now ("" when it can): a plugin call that overran
        its deadline and has not returned (or the queue's action still under way)."""
        if self.overrun is not None:
            if not self.overrun.done:
                return self.overrun.describe()
            self.overrun = None
        if self.is_acting():
            return "its submission of the last cycle is still under way"
        return ""

    def due(self, now: float) -> bool:
        """Its ``sleep`` has passed since it last took part in a cycle (or it never did)."""
        return self.last_attempt_at is None or now - self.last_attempt_at >= self.sleep - DUE_SLACK

    def next_due(self) -> float:
        """When it is due next (0: now)."""
        return 0.0 if self.last_attempt_at is None else self.last_attempt_at + self.sleep

    def close(self) -> None:
        try:
            self.submitter.close()
        except Exception:
            log.exception("queue=%s closing submit plugin", self.name)
