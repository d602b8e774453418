"""The real factory cycle in virtual time: how fast a simulated day runs.

A factory (the real configuration loader, status hub, freshness rules, sched chains, safety cap,
actions and decision lines) runs on a ManualClock with inline executors, with a simple simulated
world behind status and submit plugins registered in a Registry: each WMS queue gets jobs at a
steady rate, a pilot starts 10 minutes after its submission and runs one job of an hour (or ends
at once when it finds none). Prints the simulated and real times, their ratio and the decisions
per second. The simulator (issue 14) drives the engine through exactly these seams.

Usage: python benchmarks/virtual_cycle.py [--queues N] [--hours H] [--cycle SECONDS]
"""

from __future__ import annotations

import argparse
import tempfile
import textwrap
import time
from collections.abc import Hashable
from pathlib import Path

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.clock import ManualClock
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.model.batch import BatchQueueInfo, BatchView
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BatchStatusPlugin, WMSStatusPlugin
from autopyfactory.plugins.submit import BatchSubmitPlugin

START_LATENCY = 600.0
JOB_SECONDS = 3600.0
JOBS_PER_HOUR = 30


class World:
    def __init__(self, clock: ManualClock, queues: int) -> None:
        self.clock = clock
        self.start = clock.time()
        self.names = [f"Q{i}" for i in range(queues)]
        self.arrived = dict.fromkeys(self.names, 0)
        self.queued = dict.fromkeys(self.names, 0)
        self.pending: dict[str, list[float]] = {q: [] for q in self.names}  # submission times
        self.running: dict[str, list[float]] = {q: [] for q in self.names}  # end times
        self.settled_at = -1.0
        self.submitted = self.empty = self.done = 0

    def settle(self) -> None:
        now = self.clock.time()
        if now == self.settled_at:
            return
        self.settled_at = now
        for q in self.names:
            due = int((now - self.start) / 3600.0 * JOBS_PER_HOUR)
            self.queued[q] += due - self.arrived[q]
            self.arrived[q] = due
            ends = self.running[q]
            self.done += sum(1 for e in ends if e <= now)
            ends[:] = [e for e in ends if e > now]
            still = []
            for submitted in self.pending[q]:
                if now < submitted + START_LATENCY:
                    still.append(submitted)
                elif self.queued[q] > 0:
                    self.queued[q] -= 1
                    ends.append(submitted + START_LATENCY + JOB_SECONDS)
                else:
                    self.empty += 1
            self.pending[q] = still


def registry_for(world: World) -> Registry:
    class SimWMS(WMSStatusPlugin):
        name = "SimWMS"

        def poll(self) -> WMSView:
            world.settle()
            queues = {q: WMSQueueInfo(ready=n) for q, n in world.queued.items()}
            return WMSView("SimWMS", world.clock.time(), queues, {q: SiteInfo("online") for q in queues})

    class SimBatch(BatchStatusPlugin):
        name = "SimBatch"

        @classmethod
        def instance_key(cls, queue: ConfigSection) -> Hashable:
            return "sim"

        def poll(self) -> BatchView:
            world.settle()
            counts = {
                q: BatchQueueInfo(pending=len(world.pending[q]), running=len(world.running[q]))
                for q in world.names
            }
            return BatchView("SimBatch", world.clock.time(), counts)

    class SimSubmit(BatchSubmitPlugin):
        name = "SimSubmit"

        def submit(self, n: int) -> list[PilotRecord]:
            now = world.clock.time()
            world.pending[self.apfqname].extend([now] * n)
            world.submitted += n
            return [PilotRecord(f"{world.submitted - i}.0", self.apfqname, now) for i in range(n)]

    reg = Registry()
    for category, cls in (("wmsstatus", SimWMS), ("batchstatus", SimBatch), ("batchsubmit", SimSubmit)):
        reg.register(category, cls.name, cls)
    return reg


def write_conf(root: Path, queues: int, cycle: float) -> Path:
    etc = root / "etc"
    etc.mkdir()
    (etc / "autopyfactory.conf").write_text(
        textwrap.dedent(f"""
        [Factory]
        factoryId = virtual-benchmark
        factoryUser = bench
        baseLogDir = {root}/logs
        baseLogDirUrl = http://localhost:25880
        statedir = {root}/state
        logserver.enabled = False
        """)
    )
    text = (
        "[DEFAULT]\nwmsstatusplugin = SimWMS\nbatchstatusplugin = SimBatch\nbatchsubmitplugin = SimSubmit\n"
        f"schedplugin = Ready, MaxPerCycle, MaxPending\nsched.maxpercycle.maximum = 50\n"
        f"sched.maxpending.maximum = 100\napfqueue.sleep = {cycle:g}\n"
    )
    text += "".join(f"\n[Q{i}]\n" for i in range(queues))
    (etc / "queues.conf").write_text(text)
    return etc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--queues", type=int, default=100)
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--cycle", type=float, default=360.0, help="seconds between cycles (apfqueue.sleep)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="apf-virtual-") as tmp:
        clock = ManualClock()
        world = World(clock, args.queues)
        etc = write_conf(Path(tmp), args.queues, args.cycle)
        t0 = time.perf_counter()
        factory = Factory(
            RunOptions(conf=str(etc), services=False),
            registry_for(world),
            clock=clock,
            executors=Executors.inline(),
        )
        t1 = time.perf_counter()
        cycles = int(args.hours * 3600 / args.cycle)
        decisions = 0
        for _ in range(cycles):
            decisions += len(factory.run_cycle().outcomes)
            clock.advance(args.cycle)
        t2 = time.perf_counter()
        factory.shutdown()
    simulated = cycles * args.cycle
    print(f"queues {args.queues}, cycles {cycles} of {args.cycle:g} s, simulated {simulated / 3600:g} h")
    print(f"factory start (load, build)  {t1 - t0:>10.3f} s")
    print(
        f"cycles                       {t2 - t1:>10.3f} s   {decisions} decisions, {decisions / (t2 - t1):,.0f}/s"
    )
    print(f"simulated / real time        {simulated / (t2 - t1):>10,.0f}x")
    print(
        f"world: jobs arrived {sum(world.arrived.values())}, done {world.done}, pilots {world.submitted}, "
        f"empty {world.empty}"
    )


if __name__ == "__main__":
    main()
