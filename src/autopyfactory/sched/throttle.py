"""Throttle: black-hole protection. When most recent pilots ended within seconds, slow down."""

from __future__ import annotations

from autopyfactory.config.keys import INT, NONNEG_FLOAT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

INTERVAL = Key("sched.throttle.interval", INT, 3600, "look at pilots that started within this many seconds")
MAXTIME = Key("sched.throttle.maxtime", INT, 10, "a pilot that ran less than this many seconds is 'short'")
RATIO = Key(
    "sched.throttle.ratio",
    NONNEG_FLOAT,
    0.5,
    "throttle when short/total is above this (1 or more: never throttle, as in 2.4)",
)
SUBMIT = Key("sched.throttle.submit", INT, 1, "pilots per cycle while throttled")


class Throttle(SchedPlugin):
    """Among this queue's pilots that started within ``interval`` and have finished, if the share that
    ran under ``maxtime`` exceeds ``ratio``: ``submit``; otherwise n (also when there are none).
    The window is measured from the snapshot's time, not the wall clock."""

    name = "Throttle"
    keys = (INTERVAL, MAXTIME, RATIO, SUBMIT)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.interval = queue.get(INTERVAL)
        self.maxtime = queue.get(MAXTIME)
        self.ratio = queue.get(RATIO)
        self.submit = queue.get(SUBMIT)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        since = snap.now - self.interval
        total = short = 0
        for p in snap.finished:
            if p.started_at > since:
                total += 1
                if p.wallclock < self.maxtime:
                    short += 1
        if total == 0:
            return SchedResult(n, message("Throttle", ("in", n), ("ret", n)))
        out = self.submit if short / total > self.ratio else n
        return SchedResult(
            out,
            message(
                "Throttle",
                ("in", n),
                ("total", total),
                ("short", short),
                ("ratio", self.ratio),
                ("submit", self.submit),
                ("ret", out),
            ),
        )
