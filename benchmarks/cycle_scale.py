"""One factory cycle at scale: 10,000 queues deciding over a snapshot of 1,000,000 pilots.

Measures the two parts of a cycle that grow with the size of the factory, with the same code the
daemon runs:
  * building the snapshot: counting the batch system's pilot rows (``MATCH_APF_QUEUE``, ``JobStatus``)
    per queue through ``mappings.conf``, the WMS view for every site, and each queue's snapshot with
    the freshness rules (``engine.snapshot.build_snapshot``);
  * the decision: every queue's sched chain (``sched.chain.decide``), the production chain
    ``Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending``.

Prints wall times, their ratio and the peak RSS. Targets on 2 cores: decision < 1 s, process < 500 MB.
Usage: python benchmarks/cycle_scale.py [--queues N] [--pilots N] [--repeat K]
"""

from __future__ import annotations

import argparse
import random
import resource
import time
from collections import Counter

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.snapshot import build_snapshot
from autopyfactory.loading.chain import build_chain
from autopyfactory.loading.loader import builtin_mappings
from autopyfactory.model.batch import BatchQueueInfo, BatchView
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo, WMSView
from autopyfactory.sched.chain import decide

CHAIN = {
    "schedplugin": "Ready, Scale, MaxPerCycle, MinPerCycle, StatusTest, StatusOffline, MaxPending",
    "sched.scale.factor": "0.5",
    "sched.maxpercycle.maximum": "100",
    "sched.minpercycle.minimum": "0",
    "sched.maxpending.maximum": "50",
    "sched.statustest.pilots": "1",
    "sched.statusoffline.pilots": "0",
}
STATUSES = ["online"] * 8 + ["test", "offline"]
JOBSTATUS_WEIGHTS = [(1, 30), (2, 60), (4, 6), (3, 2), (5, 2)]  # idle, running, completed, removed, held


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--queues", type=int, default=10_000)
    ap.add_argument("--pilots", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3, help="cycles to time (the best is reported)")
    args = ap.parse_args()
    rng = random.Random(42)
    names = [f"ANALY_SITE{i:05d}-ce{i % 7}" for i in range(args.queues)]
    sites = [f"SITE{i:05d}" for i in range(args.queues)]
    factory = ConfigSection.from_dict("Factory", {})

    t0 = time.perf_counter()
    chains = [build_chain(ConfigSection.from_dict(n, CHAIN), factory) for n in names]
    t_config = time.perf_counter() - t0

    # what the batch system returns: one (MATCH_APF_QUEUE, JobStatus) row per pilot
    statuses = [s for s, w in JOBSTATUS_WEIGHTS for _ in range(w)]
    rows = [
        (names[rng.randrange(args.queues)], statuses[rng.randrange(len(statuses))])
        for _ in range(args.pilots)
    ]
    activated = {s: rng.randrange(0, 400) for s in sites}
    site_status = {s: STATUSES[rng.randrange(len(STATUSES))] for s in sites}
    mappings = builtin_mappings()
    jobstatus2info = mappings.section("CONDORBATCHSTATUS-JOBSTATUS2INFO")
    rss_inputs = peak_rss_mb()

    best_snap = best_decide = float("inf")
    decisions = []
    for _ in range(args.repeat):
        t1 = time.perf_counter()
        raw = Counter(rows)
        per_queue: dict[str, dict[str, int]] = {}
        for (queue, js), count in raw.items():
            bucket = jobstatus2info.get(str(js), "unknown")
            d = per_queue.setdefault(queue, {})
            d[bucket] = d.get(bucket, 0) + count
        now = time.time()
        batch = BatchView("Condor", now, {q: BatchQueueInfo.from_counts(c) for q, c in per_queue.items()})
        wms = WMSView(
            "Panda",
            now,
            {s: WMSQueueInfo(ready=a) for s, a in activated.items()},
            {s: SiteInfo(st) for s, st in site_status.items()},
        )
        active = batch.total_active()
        snaps = [
            build_snapshot(n, s, wms, batch, active, now, 360.0, 360.0, None)[0]
            for n, s in zip(names, sites, strict=True)
        ]
        t2 = time.perf_counter()
        decisions = [decide(c, sn) for c, sn in zip(chains, snaps, strict=True)]
        t3 = time.perf_counter()
        best_snap = min(best_snap, t2 - t1)
        best_decide = min(best_decide, t3 - t2)

    submitted = sum(d.n for d in decisions if d.n > 0)
    print(f"queues                      {args.queues:>12,}")
    print(f"pilots in the snapshot      {args.pilots:>12,}")
    print(f"chain construction (once)   {t_config:>12.3f} s")
    print(f"building the snapshot       {best_snap:>12.3f} s   (best of {args.repeat})")
    print(
        f"decision (all queues)       {best_decide:>12.3f} s   target < 1 s: {'OK' if best_decide < 1 else 'MISSED'}"
    )
    print(f"decision / snapshot ratio   {best_decide / best_snap:>12.2f}")
    print(f"per-queue decision          {best_decide / args.queues * 1e6:>12.1f} us")
    print(f"peak RSS (inputs built)     {rss_inputs:>12.1f} MB")
    print(
        f"peak RSS (process)          {peak_rss_mb():>12.1f} MB   target < 500 MB: {'OK' if peak_rss_mb() < 500 else 'MISSED'}"
    )
    print(
        f"pilots the cycle would submit {submitted:>10,}; queues retiring {sum(1 for d in decisions if d.n < 0):,}"
    )


if __name__ == "__main__":
    main()
