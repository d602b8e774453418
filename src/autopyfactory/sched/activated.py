"""Activated: the legacy all-in-one policy of APF before 2.4 (use Ready plus limiters instead)."""

from __future__ import annotations

from autopyfactory.config.keys import BOOL, INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

DEFAULT = Key("sched.activated.default", INT, 0, "pilots when WMS or batch data is missing")
MAX_JOBS_TORUN = Key("sched.activated.max_jobs_torun", INT, None, "cap on pending + running pilots")
MAX_PER_CYCLE = Key("sched.activated.max_pilots_per_cycle", INT, None, "cap per cycle")
MIN_PER_CYCLE = Key("sched.activated.min_pilots_per_cycle", INT, None, "floor per cycle")
MIN_PENDING = Key("sched.activated.min_pilots_pending", INT, None, "keep at least this many pending")
MAX_PENDING = Key("sched.activated.max_pilots_pending", INT, None, "keep at most this many pending")
TEST_ALLOWED = Key("sched.activated.testmode.allowed", BOOL, False, "submit to sites in 'test' status")
TEST_PILOTS = Key("sched.activated.testmode.pilots", INT, 0, "pilots per cycle for a 'test' site")
TEST_MAX_PENDING = Key(
    "sched.activated.testmode.max_pending", INT, 10, "no test pilots while more are pending"
)


class Activated(SchedPlugin):
    """Online: ``max(0, activated - pending)`` then, in turn, the max-to-run, min-pending,
    max-per-cycle, min-per-cycle and max-pending limits; never negative. ``test`` site: only when
    testmode.allowed, 0 if pending > testmode.max_pending else testmode.pilots. ``offline``: 0."""

    name = "Activated"
    keys = (
        DEFAULT,
        MAX_JOBS_TORUN,
        MAX_PER_CYCLE,
        MIN_PER_CYCLE,
        MIN_PENDING,
        MAX_PENDING,
        TEST_ALLOWED,
        TEST_PILOTS,
        TEST_MAX_PENDING,
    )

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.default = queue.get(DEFAULT)
        self.max_torun = queue.get(MAX_JOBS_TORUN)
        self.max_cycle = queue.get(MAX_PER_CYCLE)
        self.min_cycle = queue.get(MIN_PER_CYCLE)
        self.min_pending = queue.get(MIN_PENDING)
        self.max_pending = queue.get(MAX_PENDING)
        self.test_allowed = queue.get(TEST_ALLOWED)
        self.test_pilots = queue.get(TEST_PILOTS)
        self.test_max_pending = queue.get(TEST_MAX_PENDING)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            return SchedResult(
                self.default,
                message(
                    "Activated", ("comment", "Invalid wmsinfo or batchinfo"), ("in", n), ("ret", self.default)
                ),
            )
        a, p, r = snap.wms.ready, snap.batch.pending, snap.batch.running
        status = snap.site.status if snap.site is not None else "online"
        if status == "offline":
            out = 0
        elif status == "test":
            out = (0 if p > self.test_max_pending else self.test_pilots) if self.test_allowed else 0
        else:
            out = max(0, a - p)
            if self.max_torun is not None:
                out = min(out, self.max_torun - (p + r))
            if self.min_pending is not None:
                out = max(out, self.min_pending - p)
            if self.max_cycle is not None:
                out = min(out, self.max_cycle)
            if self.min_cycle is not None:
                out = max(out, self.min_cycle)
            if self.max_pending is not None:
                out = min(out, self.max_pending - p)
            out = max(0, out)
        return SchedResult(
            out,
            message(
                "Activated",
                ("in", n),
                ("status", status),
                ("activated", a),
                ("pending", p),
                ("running", r),
                ("ret", out),
            ),
        )
