"""glideinwms: the GlideinWMS frontend's idle-glidein request and the factory's answer, for one entry.

Rules, each from glideinWMS/glideinwms (``frontend/glideinFrontendElement.py`` and
``factory/glideFactoryLib.py``), with this APF queue as the entry, the WMS queue's activated jobs as
the idle jobs, this queue's pending pilots as the idle glideins in the factory's queue, its running
pilots as the glidein slots at the entry, and the WMS queue's running jobs (shared among this
factory's queues that serve it, by their running pilots) as the jobs running there:

1. Idle jobs for this entry: the activated jobs split evenly among the factory's queues that serve
   the WMS queue (the frontend's proportional ``prop_jobs``).
2. ``effective_idle = max(prop_idle - idle_slots, 0)``: idle slots (running glideins that run no job:
   running pilots less the jobs running there) "should match soon" and are subtracted.
3. ``compute_glidein_min_idle``: 0 when the entry's slots reach ``running_glideins_per_entry max``
   or its idle slots ``idle_vms_per_entry max``; otherwise ``min(effective_idle, max - slots)``,
   ``int(... / ramp_up_attenuation)``, plus a reserve of ``min(effective_oldidle // 3,
   idle_glideins_per_entry reserve)``, cut to ``idle_glideins_per_entry max``, halved when the idle
   slots reach ``idle_vms_per_entry curb``, at least 1; 0 without effective idle jobs. (Jobs idle
   for long, ``OldIdle``, are not told apart here: the reserve uses all idle jobs.)
4. ``compute_glidein_max_run``: ``int((max(prop_idle - idle_slots, 0) + running_jobs) *
   relative_to_queue + 1)`` with idle jobs, ``running_jobs`` without.
5. Factory (``keepIdleGlideins``): submit ``min_idle - idle_glideins`` when positive, so that idle +
   running glideins stay within max_run, at most the entry's ``max_per_cycle``.
6. An entry whose site is offline is down: no request (``ignore_down_entries``).

Defaults are the frontend's (``creation/lib/cvWParams.py``: idle_glideins_per_entry max 100
reserve 5, idle_vms_per_entry max 100 curb 5, running_glideins_per_entry max 10000
relative_to_queue 1.15; ramp_up_attenuation 3) and the factory's documented ``max_per_cycle`` 100
(``doc/factory/configuration.html``)."""

from __future__ import annotations

from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message

P = "sched.glideinwms."
MAX_IDLE = Key(P + "idle_glideins_per_entry.max", NONNEG_INT, 100, "most idle glideins requested")
RESERVE = Key(P + "idle_glideins_per_entry.reserve", NONNEG_INT, 5, "idle glideins requested beyond demand")
MAX_VMS_IDLE = Key(P + "idle_vms_per_entry.max", NONNEG_INT, 100, "no request with this many idle slots")
CURB_VMS_IDLE = Key(
    P + "idle_vms_per_entry.curb", NONNEG_INT, 5, "halve the request from this many idle slots"
)
MAX_RUNNING = Key(P + "running_glideins_per_entry.max", NONNEG_INT, 10000, "most running glideins")
RELATIVE = Key(P + "running_glideins_per_entry.relative_to_queue", NONNEG_FLOAT, 1.15, "max_run per job")
ATTENUATION = Key(P + "ramp_up_attenuation", NONNEG_FLOAT, 3.0, "ask for this fraction (1/x) of demand")
PER_CYCLE = Key(P + "max_per_cycle", NONNEG_INT, 100, "the factory's most submissions per cycle")


class GlideinWMS(SchedPlugin):
    """The ``glideinwms`` sched plugin: the GlideinWMS frontend's idle-glidein request and the factory's
    answer for this queue as the entry (rules in the module docstring)."""

    name = "glideinwms"
    keys = (MAX_IDLE, RESERVE, MAX_VMS_IDLE, CURB_VMS_IDLE, MAX_RUNNING, RELATIVE, ATTENUATION, PER_CYCLE)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.max_idle = queue.get(MAX_IDLE)
        self.reserve = queue.get(RESERVE)
        self.max_vms_idle = queue.get(MAX_VMS_IDLE)
        self.curb_vms_idle = queue.get(CURB_VMS_IDLE)
        self.max_running = queue.get(MAX_RUNNING)
        self.relative = queue.get(RELATIVE)
        self.attenuation = max(1.0, queue.get(ATTENUATION))
        self.per_cycle = queue.get(PER_CYCLE)

    @staticmethod
    def running_jobs(snap: QueueSnapshot) -> int:
        """Jobs running at this entry: the WMS queue's running jobs, shared among the factory's queues
        that serve it by their running pilots (at most this queue's running pilots)."""
        assert snap.wms is not None and snap.batch is not None
        running = snap.batch.running
        share = snap.history.share.running if snap.history is not None else running
        if share <= 0 or running <= 0:
            return 0
        return min(running, round(snap.wms.running * running / share))

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            return SchedResult(
                0, message("glideinwms", ("comment", "no wms/batch info"), ("in", n), ("ret", 0))
            )
        if snap.site is not None and snap.site.status == "offline":
            return SchedResult(0, message("glideinwms", ("comment", "entry down"), ("in", n), ("ret", 0)))
        entries = snap.history.share.queues if snap.history is not None else 1
        prop_idle = snap.wms.ready // max(1, entries)
        idle_glideins, slots = snap.batch.pending, snap.batch.running
        real = self.running_jobs(snap)
        idle_slots = max(0, slots - real)
        effective = max(prop_idle - idle_slots, 0)
        if slots >= self.max_running or idle_slots >= self.max_vms_idle:
            min_idle = 0
        elif effective > 0:
            m: float = int(min(effective, self.max_running - slots) / self.attenuation)
            m += min(effective // 3, self.reserve)
            m = min(m, self.max_idle)
            if idle_slots >= self.curb_vms_idle:
                m /= 2
            min_idle = max(int(m), 1)
        else:
            min_idle = 0
        max_run = int((effective + real) * self.relative + 1) if prop_idle > 0 else real
        out = max(min_idle - idle_glideins, 0)
        out = max(0, min(out, max_run - (idle_glideins + slots), self.per_cycle))
        return SchedResult(
            out,
            message(
                "glideinwms",
                ("in", n),
                ("idle_jobs", prop_idle),
                ("idle_glideins", idle_glideins),
                ("slots", slots),
                ("running_jobs", real),
                ("idle_slots", idle_slots),
                ("min_idle", min_idle),
                ("max_run", max_run),
                ("ret", out),
            ),
        )
