"""Decision quality: every built-in policy on every scenario of benchmarks/scenarios/, against the
clairvoyant lower bound; then the simulator's speed on a grid-sized day.

Per scenario it prints the table of results, each policy's point on the (median wait, empty share)
plane, the new policy's ratios to each peer and to the lower bound, and whether it meets the targets
of the decision-quality issue:
  * its point dominates each peer's (median wait and empty share both no worse);
  * its median wait is <= 0.8 x the best peer's, or <= 1.2 x the lower bound's;
  * over the whole suite, its empty pilots are under 5% of its pilots.
With --seeds 1,2,3 each scenario runs once per seed: waits are the median over seeds of the median
wait, empty shares the sum of empty pilots over the sum of pilots.

The speed case: a simulated 24 h with 100 WMS queues, 150 sites, about 100,000 jobs and 6-minute
cycles (target: under 60 s on 2 cores); it prints the simulated/real time ratio.

Usage: python benchmarks/decision_quality.py [--seeds 1,2,3] [--scenarios DIR] [--only NAME ...]
                                             [--no-speed] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from dataclasses import replace
from pathlib import Path

from autopyfactory.sim.durations import format_duration
from autopyfactory.sim.metrics import QueueMetrics
from autopyfactory.sim.report import Comparison, plane, ratios, table
from autopyfactory.sim.runner import NEW_POLICY, PEERS, PolicyRun, run_lower_bound, run_policy
from autopyfactory.sim.scenario import (
    DurationDist,
    Scenario,
    SimulationSpec,
    SiteSpec,
    StreamSpec,
    WMSQueueSpec,
)
from autopyfactory.sim.scenario_load import load_scenario

POLICIES = (*PEERS, NEW_POLICY)
HERE = Path(__file__).resolve().parent


def speed_scenario(seed: int = 1) -> Scenario:
    """100 WMS queues (half production, 6 h jobs; half diurnal analysis, 45 min jobs), 150 sites (half
    the queues have two), about 1,000 jobs per queue over the day, site latencies from 2 min to 1 h."""
    rng = random.Random(seed)
    sites: list[SiteSpec] = []
    wmsqueues: list[WMSQueueSpec] = []
    streams: list[StreamSpec] = []
    for i in range(100):
        prod = i % 2 == 0
        names = []
        for k in range(1 if i < 50 else 2):
            name = f"CE_{i:03d}_{k}"
            latency = rng.choice((120.0, 300.0, 600.0, 1800.0, 3600.0))
            sites.append(SiteSpec(name, 400 if prod else 120, latency, 1.0, 0.02))
            names.append(name)
        wq = f"PANDA_{i:03d}"
        wmsqueues.append(WMSQueueSpec(wq, tuple(names)))
        if prod:
            streams.append(
                StreamSpec(wq, "steady", DurationDist(6 * 3600, 0.5, 40 * 3600), per_hour=1000 / 24)
            )
        else:
            streams.append(
                StreamSpec(
                    wq, "diurnal", DurationDist(45 * 60, 1.0, 40 * 3600), per_hour=1000 / 24, amplitude=0.8
                )
            )
    return Scenario(
        HERE / "speed (generated)",
        "speed",
        SimulationSpec(86400.0, seed, 360.0, 120.0, 150.0),
        tuple(sites),
        tuple(wmsqueues),
        streams=tuple(streams),
        description="100 WMS queues, 150 sites, ~100,000 jobs, 6-minute cycles",
    )


def combine(per_seed: list[QueueMetrics]) -> QueueMetrics:
    """One figure for several seeds: median of the medians, pooled counts."""
    if len(per_seed) == 1:
        return per_seed[0]
    pilots = sum(m.pilots_submitted for m in per_seed)
    empty = sum(m.empty_pilots for m in per_seed)
    started = sum(m.jobs_started for m in per_seed)
    return QueueMetrics(
        jobs=sum(m.jobs for m in per_seed),
        jobs_started=started,
        wait_p50_s=statistics.median(m.wait_p50_s for m in per_seed),
        wait_p95_s=statistics.median(m.wait_p95_s for m in per_seed),
        wait_max_s=max(m.wait_max_s for m in per_seed),
        pilots_submitted=pilots,
        empty_pilots=empty,
        empty_share=round(empty / pilots, 4) if pilots else 0.0,
        blackhole_pilots=sum(m.blackhole_pilots for m in per_seed),
        idle_pilot_hours=round(sum(m.idle_pilot_hours for m in per_seed), 2),
        pilots_per_job=round(pilots / started, 3) if started else None,
    )


def run_scenario(path: Path, seeds: list[int]) -> tuple[Comparison, dict[str, object]]:
    base = load_scenario(path)
    runs: dict[str, list[PolicyRun]] = {p: [] for p in POLICIES}
    lows: list[PolicyRun] = []
    for seed in seeds:
        s = base.with_seed(seed) if seeds != [base.simulation.seed] else base
        for p in POLICIES:
            runs[p].append(run_policy(s, p))
        lows.append(run_lower_bound(s))

    def merged(name: str, rs: list[PolicyRun]) -> PolicyRun:
        total = combine([r.metrics.total for r in rs])
        first = rs[0]
        return replace(
            first,
            name=name,
            metrics=replace(first.metrics, total=total),
            wall_seconds=sum(r.wall_seconds for r in rs),
            simulated_seconds=sum(r.simulated_seconds for r in rs),
            conservation=[c for r in rs for c in r.conservation],
        )

    c = Comparison(base, [merged(p, runs[p]) for p in POLICIES], merged("lower_bound", lows))
    by = {r.name: r.metrics.total for r in c.runs}
    me = by[NEW_POLICY]
    assert c.lower_bound is not None
    lb = c.lower_bound.metrics.total
    best = min(by[p].wait_p50_s for p in PEERS)
    dominated = {p: me.wait_p50_s <= by[p].wait_p50_s and me.empty_share <= by[p].empty_share for p in PEERS}
    wait_ok = me.wait_p50_s <= 0.8 * best or me.wait_p50_s <= 1.2 * lb.wait_p50_s
    verdict = {
        "dominates": dominated,
        "wait_target": wait_ok,
        "wait_vs_best_peer": round(me.wait_p50_s / best, 3) if best > 0 else None,
        "wait_vs_lower_bound": round(me.wait_p50_s / lb.wait_p50_s, 3) if lb.wait_p50_s > 0 else None,
        "empty_pilots": me.empty_pilots,
        "pilots": me.pilots_submitted,
    }
    return c, verdict


def speed_case() -> dict[str, float]:
    s = speed_scenario()
    out: dict[str, float] = {}
    for policy in (NEW_POLICY, "apf24"):
        t0 = time.perf_counter()
        r = run_policy(s, policy)
        wall = time.perf_counter() - t0
        out[policy] = wall
        print(
            f"  {policy:<10} {r.metrics.total.jobs:,} jobs, {r.decisions:,} decisions, "
            f"{r.metrics.total.pilots_submitted:,} pilots: {wall:.1f} s wall (configuration included), "
            f"simulated/real {s.simulation.duration / wall:,.0f}x  [{'OK' if wall < 60 else 'OVER'} < 60 s]"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="", help="comma list of seeds (default: each scenario's own)")
    ap.add_argument("--scenarios", default=str(HERE / "scenarios"), help="directory of scenario files")
    ap.add_argument("--only", nargs="*", default=[], metavar="NAME", help="run only these scenarios")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed case")
    ap.add_argument("--json", metavar="OUT.json", help="write the verdicts and metrics as JSON")
    args = ap.parse_args()
    files = sorted(Path(args.scenarios).glob("*.toml"))
    if args.only:
        files = [f for f in files if f.stem in args.only]
    doc: dict[str, object] = {}
    empty = pilots = met = 0
    summary: list[str] = []
    t_all = time.perf_counter()
    for f in files:
        seeds = [int(x) for x in args.seeds.split(",") if x.strip()] or [load_scenario(f).simulation.seed]
        t0 = time.perf_counter()
        c, v = run_scenario(f, seeds)
        wall = time.perf_counter() - t0
        sim_s = c.scenario.simulation.duration * len(seeds) * (len(POLICIES) + 1)
        print(f"=== {c.scenario.name}: {c.scenario.description}  (seeds {','.join(map(str, seeds))})")
        print(table(c))
        print(plane(c))
        print(ratios(c, NEW_POLICY, list(PEERS)))
        print(f"simulated/real time over the scenario's runs: {sim_s / wall:,.0f}x ({wall:.1f} s)")
        doms = v["dominates"]
        assert isinstance(doms, dict)
        ok_all = all(doms.values()) and bool(v["wait_target"])
        met += ok_all
        print(
            f"targets: dominates {sum(doms.values())}/{len(doms)} peers"
            f" ({', '.join(p for p, d in doms.items() if not d) or 'all'}"
            f"{' not dominated' if not all(doms.values()) else ''}); wait target {'met' if v['wait_target'] else 'missed'}"
            f" (x{v['wait_vs_best_peer']} best peer, x{v['wait_vs_lower_bound']} lower bound)\n"
        )
        empty += int(v["empty_pilots"])  # type: ignore[call-overload]
        pilots += int(v["pilots"])  # type: ignore[call-overload]
        me = next(r for r in c.runs if r.name == NEW_POLICY).metrics.total
        summary.append(
            f"  {c.scenario.name:<16} wait {format_duration(me.wait_p50_s):>7}  empty {100 * me.empty_share:5.1f}%"
            f"  dominates {sum(doms.values())}/{len(doms)}  wait target {'yes' if v['wait_target'] else 'no'}"
        )
        doc[c.scenario.name] = {"verdict": v, **c.as_json()}
    print(f"=== {NEW_POLICY} over the suite ({time.perf_counter() - t_all:.0f} s)")
    print("\n".join(summary))
    share = empty / pilots if pilots else 0.0
    print(f"  aggregate empty share {100 * share:.2f}% ({empty} of {pilots} pilots; target < 5%)")
    print(f"  scenarios meeting every target: {met} of {len(files)}")
    if not args.no_speed:
        print("\n=== speed: 24 h, 100 WMS queues, 150 sites, ~100,000 jobs, 6-minute cycles")
        doc["speed_wall_s"] = speed_case()
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
