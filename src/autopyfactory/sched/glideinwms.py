"""glideinwms: the GlideinWMS frontend's idle-glidein request and the factory's answer, for one entry.

Rules, each from glideinWMS/glideinwms, with this APF queue as the entry, its activated jobs as the
idle jobs, its pending pilots as idle glideins in the factory queue and its running pilots as
running glideins:

1. Idle jobs for this entry: the WMS queue's activated jobs split evenly among the factory's queues
   that serve it (frontend ``prop`` jobs, ``glideinFrontendElement.py``);
   ``effective_idle = max(prop_idle - idle_glideins, 0)``.
2. ``compute_glidein_min_idle``: no request when running glideins reach
   ``running_glideins_per_entry max`` or idle slots reach ``idle_vms_per_entry max``; otherwise
   ``int(min(effective_idle, headroom) / ramp_up_attenuation)``, plus a reserve of
   ``min(effective_oldidle // 3, idle_glideins_per_entry reserve)``, cut to
   ``idle_glideins_per_entry max``, halved when idle slots reach ``idle_vms_per_entry curb``, at
   least 1. (Old idle jobs are not told apart here: the reserve uses all idle jobs.)
3. ``compute_glidein_max_run``: ``int((effective_idle + running) * relative_to_queue + 1)``.
4. Factory (``glideFactoryLib.py`` ``keepIdleGlideins``): submit ``min_idle - idle_glideins`` when
   positive, so that idle + running stay within max_run, at most the entry's ``max_per_cycle``.
5. An entry whose site is offline is down: no request (``ignore_down_entries``).

Idle slots (running glideins without a job) are this queue's running pilots that have not been
seen to take a job: the pilots the history lists as started in the last ``getjob`` window; 0 without
history. Defaults are the frontend's (``creation/lib/cvWParams.py``: idle_glideins_per_entry max 100
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
IDLE_WINDOW = (
    180.0  # a pilot running this long without a job has found none (PanDA pilot: 2 tries 60 s apart)
)


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
    def idle_slots(snap: QueueSnapshot) -> int:
        h = snap.history
        if h is None:
            return 0
        return sum(
            1
            for p in h.pilots
            if p.started_at is not None and p.ended_at is None and snap.now - p.started_at < IDLE_WINDOW
        )

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        if snap.wms is None or snap.batch is None:
            return SchedResult(
                0, message("glideinwms", ("comment", "no wms/batch info"), ("in", n), ("ret", 0))
            )
        if snap.site is not None and snap.site.status == "offline":
            return SchedResult(0, message("glideinwms", ("comment", "entry down"), ("in", n), ("ret", 0)))
        entries = snap.history.share.queues if snap.history is not None else 1
        prop_idle = snap.wms.ready // max(1, entries)
        idle_glideins, running = snap.batch.pending, snap.batch.running
        idle_vms = self.idle_slots(snap)
        effective = max(prop_idle - idle_glideins, 0)
        if running >= self.max_running or idle_vms >= self.max_vms_idle:
            min_idle = 0
        elif effective > 0:
            m: float = min(effective, self.max_running - running)
            m = int(m / self.attenuation)
            m += min(effective // 3, self.reserve)
            m = min(m, self.max_idle)
            if idle_vms >= self.curb_vms_idle:
                m /= 2
            min_idle = max(int(m), 1)
        else:
            min_idle = 0
        max_run = int((effective + running) * self.relative + 1) if prop_idle > 0 else running
        out = max(min_idle - idle_glideins, 0)
        out = max(0, min(out, max_run - (idle_glideins + running), self.per_cycle))
        return SchedResult(
            out,
            message(
                "glideinwms",
                ("in", n),
                ("idle_jobs", prop_idle),
                ("idle_glideins", idle_glideins),
                ("running", running),
                ("idle_slots", idle_vms),
                ("min_idle", min_idle),
                ("max_run", max_run),
                ("ret", out),
            ),
        )
