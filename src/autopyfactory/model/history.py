"""What a queue has seen before this decision: its earlier cycles and the lives of its recent pilots.

The factory keeps this (it is state), and hands it to ``decide`` as part of the snapshot, so a sched
plugin that learns from the past (how long pilots wait, how many found no job, how fast the queue
drains) stays a pure function of its inputs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PilotTimes:
    """One pilot's life as its batch system reports it.

    ``started_at`` None: still waiting for a slot; ``ended_at`` None: still there. ``found_job`` is
    whether it ran any payload, None when the batch system cannot tell (a plugin then judges by how
    long the pilot ran)."""

    submitted_at: float
    started_at: float | None = None
    ended_at: float | None = None
    found_job: bool | None = None

    @property
    def wait(self) -> float | None:
        """Seconds from submission to start (None while pending)."""
        return None if self.started_at is None else self.started_at - self.submitted_at

    @property
    def wallclock(self) -> float | None:
        """Seconds from start to end (None unless ended)."""
        if self.started_at is None or self.ended_at is None:
            return None
        return self.ended_at - self.started_at


@dataclass(frozen=True, slots=True)
class CycleSample:
    """One earlier decision of the queue: what it saw and what it decided."""

    at: float
    activated: int | None
    pending: int | None
    running: int | None
    decided: int


@dataclass(frozen=True, slots=True)
class SiblingQueue:
    """One of this factory's queues that serve the same WMS queue: its pilots now and the lives of
    its recent pilots (as its batch status reports them)."""

    name: str
    pending: int = 0
    running: int = 0
    pilots: tuple[PilotTimes, ...] = ()


@dataclass(frozen=True, slots=True)
class WMSQueueShare:
    """This factory's queues that serve the same WMS queue (this one included), and their pilots:
    totals, and each queue (``members``, when the factory keeps them)."""

    queues: int = 1
    pending: int = 0
    running: int = 0
    members: tuple[SiblingQueue, ...] = ()


@dataclass(frozen=True, slots=True)
class QueueHistory:
    """The past a decision may use.

    ``samples``: this queue's earlier decisions, oldest first. ``pilots``: its pilots that are
    pending now or started or ended recently. ``wms_pilots``: the same for every queue of this
    factory that serves the same WMS queue, this one's included (the same as ``pilots`` when it is
    alone). ``wms_taken_at``: when the WMS counts of the snapshot were taken (their age matters:
    pilots that started since then have already taken some of the jobs counted). ``share``: the
    queues of this factory that feed the same WMS queue, and their pilots now."""

    samples: tuple[CycleSample, ...] = ()
    pilots: tuple[PilotTimes, ...] = ()
    wms_pilots: tuple[PilotTimes, ...] = ()
    wms_taken_at: float | None = None
    share: WMSQueueShare = WMSQueueShare()


EMPTY_HISTORY = QueueHistory()
