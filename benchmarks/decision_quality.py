"""Decision quality: every built-in policy on every scenario of benchmarks/scenarios/ (the suite) and
of benchmarks/scenarios/heldout/ (scenarios the new policy was not tuned on, reported apart), against
the clairvoyant lower bound; then the simulator's speed on a grid-sized day.

Per scenario it prints the table of results, each policy's point on the (median wait, empty share)
plane, the new policy's ratios to each peer and to the lower bound, and the targets of the
decision-quality issue, with the reason for each one missed:
  * its point dominates each peer's (median wait and empty share both no worse);
  * its median wait is <= 0.8 x the best peer's, or <= 1.2 x the lower bound's;
  * over each set of scenarios, its empty pilots are under 5% of its pilots that started.
With --seeds 1,2,3 each scenario runs once per seed: a policy's wait is the median over seeds of its
median wait, its empty share the sum of its empty pilots over the sum of its pilots that started.

The speed case: a simulated 24 h with 100 WMS queues, 150 sites, about 100,000 jobs and 6-minute
cycles (target: under 60 s on 2 cores); it prints the simulated/real time ratio.

Usage: python benchmarks/decision_quality.py [--seeds 1,2,3] [--only NAME ...] [--jobs N]
                                             [--no-heldout] [--no-speed] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.sim.durations import format_duration
from autopyfactory.sim.metrics import Fates, QueueMetrics, RunMetrics
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
from autopyfactory.sim.targets import EMPTY_TARGET, verdict
from autopyfactory.sim.timeline import Timeline

POLICIES = (*PEERS, NEW_POLICY)
LOWER = "lower_bound"
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


@dataclass
class Result:
    """One run, reduced to what the benchmark reports (no timeline: it crosses processes)."""

    metrics: RunMetrics
    wall: float
    simulated: float
    conservation: list[str] = field(default_factory=list)


def _one(task: tuple[str, int | None, str]) -> Result:
    path, seed, policy = task
    s = load_scenario(path)
    if seed is not None:
        s = s.with_seed(seed)
    r = run_lower_bound(s) if policy == LOWER else run_policy(s, policy)
    return Result(r.metrics, r.wall_seconds, r.simulated_seconds, r.conservation)


def combine(per_seed: list[RunMetrics]) -> RunMetrics:
    """One figure for several seeds: median of the medians, pooled counts."""
    if len(per_seed) == 1:
        return per_seed[0]
    ms = [r.total for r in per_seed]
    pilots = sum(m.pilots_submitted for m in ms)
    empty = sum(m.empty_pilots for m in ms)
    blackhole = sum(m.blackhole_pilots for m in ms)
    started_pilots = sum(r.fates.pilots_started for r in per_seed)
    looked = started_pilots - blackhole
    started = sum(m.jobs_started for m in ms)
    total = QueueMetrics(
        jobs=sum(m.jobs for m in ms),
        jobs_started=started,
        wait_p50_s=statistics.median(m.wait_p50_s for m in ms),
        wait_p95_s=statistics.median(m.wait_p95_s for m in ms),
        wait_max_s=max(m.wait_max_s for m in ms),
        pilots_submitted=pilots,
        empty_pilots=empty,
        empty_share=round(empty / looked, 4) if looked > 0 else 0.0,
        blackhole_pilots=blackhole,
        idle_pilot_hours=round(sum(m.idle_pilot_hours for m in ms), 2),
        pilots_per_job=round(pilots / started, 3) if started else None,
    )
    fates = Fates(
        started_pilots,
        sum(r.fates.pilots_removed_pending for r in per_seed),
        sum(r.fates.pilots_killed_running for r in per_seed),
        sum(r.fates.jobs_waiting_at_end for r in per_seed),
    )
    return RunMetrics(total, {}, fates)


def _as_run(name: str, results: list[Result]) -> PolicyRun:
    return PolicyRun(
        name,
        combine([r.metrics for r in results]),
        Timeline(),
        sum(r.wall for r in results),
        sum(r.simulated for r in results),
        conservation=[c for r in results for c in r.conservation],
    )


@dataclass
class Scored:
    name: str
    comparison: Comparison
    verdict_doc: dict[str, object]
    met: bool
    looked: int
    empty: int
    line: str


def run_set(title: str, files: list[Path], seeds: list[int], jobs: int) -> tuple[list[Scored], float]:
    """Every policy and the bound on every file and seed; prints each scenario; returns the scores."""
    tasks: list[tuple[str, int | None, str]] = []
    for f in files:
        own = load_scenario(f).simulation.seed
        for seed in seeds or [own]:
            for p in (*POLICIES, LOWER):
                tasks.append((str(f), None if seed == own else seed, p))
    t0 = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_one, tasks, chunksize=1))
    else:
        results = [_one(t) for t in tasks]
    wall = time.perf_counter() - t0
    by: dict[tuple[str, str], list[Result]] = {}
    for (path, _, p), r in zip(tasks, results, strict=True):
        by.setdefault((path, p), []).append(r)
    scored: list[Scored] = []
    print(f"\n##### {title} ({len(files)} scenarios, seeds {','.join(map(str, seeds)) or 'own'})")
    for f in files:
        s = load_scenario(f)
        runs = [_as_run(p, by[(str(f), p)]) for p in POLICIES]
        low = _as_run(LOWER, by[(str(f), LOWER)])
        c = Comparison(s, runs, low)
        totals = {r.name: r.metrics.total for r in runs}
        me = totals[NEW_POLICY]
        v = verdict(me, totals, low.metrics.total, PEERS)
        sim_s = sum(r.simulated_seconds for r in [*runs, low])
        wall_s = sum(r.wall_seconds for r in [*runs, low])
        print(f"\n=== {s.name}: {s.description}")
        print(table(c))
        print(plane(c))
        print(ratios(c, NEW_POLICY, list(PEERS)))
        print(
            f"simulated/real time over the scenario's runs: {sim_s / wall_s:,.0f}x ({wall_s:.1f} s of runs)"
        )
        missed = [f"{p}: {why}" for p, why in v.why_not.items()]
        print(
            f"targets: dominates {sum(v.dominates.values())}/{len(v.dominates)} peers"
            f"{' (not: ' + '; '.join(missed) + ')' if missed else ''}; wait target "
            f"{'met' if v.wait_target else 'missed'} (x{v.wait_vs_best_peer} best peer, "
            f"x{v.wait_vs_lower_bound} lower bound)"
        )
        for r in [*runs, low]:
            for problem in r.conservation:
                print(f"  CONSERVATION {r.name}: {problem}")
        fates = next(r for r in runs if r.name == NEW_POLICY).metrics.fates
        looked = fates.pilots_started - me.blackhole_pilots
        best = min(PEERS, key=lambda p: totals[p].wait_p50_s)
        line = (
            f"  {s.name:<16} {format_duration(me.wait_p50_s):>7} {100 * me.empty_share:5.2f}%"
            f"  LB {format_duration(low.metrics.total.wait_p50_s):>7}  fastest peer {best} "
            f"{format_duration(totals[best].wait_p50_s)}  dominates {sum(v.dominates.values())}/{len(PEERS)}"
            f" ({', '.join(p for p, d in v.dominates.items() if not d) or 'all'} not)"
            f"  wait target {'yes' if v.wait_target else 'no'}"
        )
        doc = {"verdict": v.as_dict(), **c.as_json()}
        scored.append(Scored(s.name, c, doc, v.met, looked, me.empty_pilots, line))
    return scored, wall


def summary(title: str, scored: list[Scored], wall: float) -> dict[str, object]:
    looked = sum(s.looked for s in scored)
    empty = sum(s.empty for s in scored)
    share = empty / looked if looked else 0.0
    print(f"\n=== {NEW_POLICY} over the {title} ({wall:.0f} s): median wait, empty share")
    for s in scored:
        print(s.line)
    print(
        f"  aggregate empty share {100 * share:.2f}% ({empty} of {looked} pilots that started; "
        f"target < {100 * EMPTY_TARGET:.0f}%: {'met' if share < EMPTY_TARGET else 'missed'})"
    )
    print(f"  scenarios meeting every per-scenario target: {sum(s.met for s in scored)} of {len(scored)}")
    return {
        "aggregate_empty_share": round(share, 4),
        "scenarios": {s.name: s.verdict_doc for s in scored},
    }


def speed_case() -> dict[str, float]:
    s = speed_scenario()
    out: dict[str, float] = {}
    for policy in (NEW_POLICY, "apf24"):
        t0 = time.perf_counter()
        r = run_policy(s, policy)
        wall = time.perf_counter() - t0
        out[policy] = round(wall, 1)
        print(
            f"  {policy:<10} {r.metrics.total.jobs:,} jobs, {r.decisions:,} decisions, "
            f"{r.metrics.total.pilots_submitted:,} pilots: {wall:.1f} s wall (configuration included), "
            f"simulated/real {s.simulation.duration / wall:,.0f}x  [{'OK' if wall < 60 else 'OVER'} < 60 s]"
        )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="", help="comma list of seeds (default: each scenario's own)")
    ap.add_argument("--scenarios", default=str(HERE / "scenarios"), help="directory of the suite")
    ap.add_argument("--heldout", default=str(HERE / "scenarios" / "heldout"), help="held-out scenarios")
    ap.add_argument("--only", nargs="*", default=[], metavar="NAME", help="run only these scenarios")
    ap.add_argument("--jobs", type=int, default=1, help="processes running simulations at once")
    ap.add_argument("--no-heldout", action="store_true", help="skip the held-out scenarios")
    ap.add_argument("--no-speed", action="store_true", help="skip the speed case")
    ap.add_argument("--json", metavar="OUT.json", help="write the verdicts and metrics as JSON")
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    sets = [("suite", Path(args.scenarios))]
    if not args.no_heldout:
        sets.append(("held-out scenarios", Path(args.heldout)))
    doc: dict[str, object] = {}
    summaries = []
    for title, directory in sets:
        files = sorted(directory.glob("*.toml"))
        if args.only:
            files = [f for f in files if f.stem in args.only]
        if not files:
            continue
        scored, wall = run_set(title, files, seeds, args.jobs)
        summaries.append((title, scored, wall))
    for title, scored, wall in summaries:
        doc[title] = summary(title, scored, wall)
    if not args.no_speed:
        print("\n=== speed: 24 h, 100 WMS queues, 150 sites, ~100,000 jobs, 6-minute cycles")
        doc["speed_wall_s"] = speed_case()
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
