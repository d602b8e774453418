"""The (median wait, empty share) frontier: what any setting of the built-in policy families reaches on
each scenario, and whether one point can dominate every peer's default point.

Each family is swept through its real configuration keys (set in every queue, as ``simulate --set``
does), from timid to aggressive, on every scenario of the suite and the held-out set:

  apf24      2.4's chain, ``sched.scale.factor`` (the share of the activated jobs it submits for)
  orderupto  ``Ready`` alone with ``sched.ready.offset`` from +5 to -100: keep activated - offset
             pilots pending (a negative offset is a standing stock of pilots ahead of the jobs)
  harvester  ``activateWorkerFactor``, with and without ``noPilotsWhenNoActiveJobs``
  glideinwms ``ramp_up_attenuation`` (the 1/3 of the idle demand) and the idle reserve
  keda       ``maxReplicaCount`` and ``targetAverageValue``
  cobald     the LinearController's ``rate``
  leadtime   ``emptytarget`` with and without the forecast; without withdrawals

Each family's sweep holds its default setting, whose point is that policy's point in
``simulate --compare``. Per scenario it prints the default points and the clairvoyant lower bound,
the empirical Pareto frontier over all settings of all families, the settings (if any) that
dominate every default peer point (apf24, harvester, glideinwms, keda; then with cobald too), the
corner that dominating Harvester and GlideinWMS together needs and the nearest settings to it, the
lowest empty share of a setting (COBalD's default aside) whose median wait is no longer than
COBalD's, and where each default point lies against the frontier. Then a summary over the
scenarios, and the single settings that dominate the realistic peers on the most scenarios with
their pooled empty share. With --svg DIR, one plot per scenario of the plane.

Usage: python benchmarks/frontier.py [--quick] [--only NAME ...] [--no-heldout] [--jobs N]
                                     [--seed N] [--svg DIR] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autopyfactory.sim.durations import format_duration
from autopyfactory.sim.pareto import (
    Point,
    corner,
    dominating,
    frontier,
    least_empty_within,
    position,
    shortest_wait_within,
)
from autopyfactory.sim.pareto_plot import Marked, render_plane
from autopyfactory.sim.runner import run_lower_bound, run_policy
from autopyfactory.sim.scenario_load import load_scenario

HERE = Path(__file__).resolve().parent
REALISTIC = ("apf24", "harvester", "glideinwms", "keda")  # the peers a realistic policy must beat
PEERS = (*REALISTIC, "cobald")
OURS = "leadtime"
LOWER = "lower_bound"


@dataclass(frozen=True)
class Setting:
    """One setting of a family: the sched chain, the keys set in every queue, and whether it is the
    family's default (the peer's point)."""

    family: str
    policy: str
    keys: tuple[tuple[str, str], ...] = ()
    default: bool = False

    @property
    def label(self) -> str:
        if self.default:
            return f"{self.family}[default]"
        return f"{self.family}[" + ",".join(f"{k.split('.', 2)[-1]}={v}" for k, v in self.keys) + "]"


def _family(
    family: str, policy: str, grid: Sequence[dict[str, str]], defaults: dict[str, str]
) -> list[Setting]:
    """A family's settings: each grid entry's keys; the entry equal to ``defaults`` (the policy's
    own defaults, spelt out) is the default setting and sets no key."""
    out = []
    for keys in grid:
        changed = {k: v for k, v in keys.items() if defaults.get(k) != v}
        out.append(Setting(family, policy, tuple(sorted(changed.items())), not changed))
    if sum(s.default for s in out) != 1:
        raise ValueError(f"family {family}: exactly one setting must be the default")
    return out


def families(quick: bool) -> list[Setting]:
    """Every family's sweep; ``quick``: a coarser one (about a third of the runs)."""

    def pick(full: list[str], few: list[str]) -> list[str]:
        return few if quick else full

    h, g, k, c, lt = (
        "sched.harvester.",
        "sched.glideinwms.",
        "sched.keda.",
        "sched.cobald.",
        "sched.leadtime.",
    )
    out: list[Setting] = []
    scale = pick(["0.1", "0.25", "0.5", "1", "2", "4"], ["0.25", "0.5", "2"])
    out += _family(
        "apf24", "apf24", [{"sched.scale.factor": f} for f in scale], {"sched.scale.factor": "0.5"}
    )
    offsets = pick(["5", "2", "0", "-1", "-2", "-5", "-10", "-20", "-50", "-100"], ["2", "0", "-5", "-50"])
    out += _family(
        "orderupto", "Ready", [{"sched.ready.offset": o} for o in offsets], {"sched.ready.offset": "0"}
    )
    hdef = {h + "activateworkerfactor": "1", h + "nopilotswhennoactivejobs": "False"}
    factors = pick(["0.1", "0.25", "0.5", "0.75", "1", "1.5", "2", "3", "5"], ["0.25", "1", "3"])
    hgrid = [{**hdef, h + "activateworkerfactor": f} for f in factors]
    hgrid += [
        {h + "activateworkerfactor": f, h + "nopilotswhennoactivejobs": "True"}
        for f in pick(["0.25", "0.5", "1"], ["1"])
    ]
    out += _family("harvester", "harvester", hgrid, hdef)
    gdef = {g + "ramp_up_attenuation": "3", g + "idle_glideins_per_entry.reserve": "5"}
    ggrid = [
        {**gdef, g + "ramp_up_attenuation": a}
        for a in pick(["1", "1.5", "2", "3", "5", "10"], ["1", "3", "10"])
    ]
    ggrid += [
        {g + "ramp_up_attenuation": a, g + "idle_glideins_per_entry.reserve": r}
        for a, r in pick([("3", "0"), ("1", "0"), ("3", "25"), ("1", "25")], [("1", "25")])
    ]
    if not quick:
        ggrid.append(
            {
                g + "ramp_up_attenuation": "1",
                g + "idle_glideins_per_entry.reserve": "100",
                g + "idle_glideins_per_entry.max": "1000",
            }
        )
    out += _family("glideinwms", "glideinwms", ggrid, gdef)
    kdef = {k + "maxreplicacount": "100", k + "targetaveragevalue": "1"}
    kgrid = [
        {**kdef, k + "maxreplicacount": m} for m in pick(["100", "300", "1000", "10000"], ["100", "10000"])
    ]
    if not quick:
        kgrid.append({k + "maxreplicacount": "10000", k + "targetaveragevalue": "0.5"})
    out += _family("keda", "keda", kgrid, kdef)
    rates = pick(["0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1"], ["0.003", "0.03", "1"])
    out += _family("cobald", "cobald", [{c + "rate": r} for r in rates], {c + "rate": "1"})
    ldef = {lt + "emptytarget": "0.02", lt + "forecast": "True", lt + "withdraw": "True"}
    lgrid = [
        {**ldef, lt + "emptytarget": e, lt + "forecast": fc}
        for e in pick(["0.005", "0.01", "0.02", "0.05", "0.1", "0.3"], ["0.005", "0.02", "0.1"])
        for fc in ("True", "False")
    ]
    lgrid.append({**ldef, lt + "withdraw": "False"})
    out += _family(OURS, "leadtime", lgrid, ldef)
    return out


@dataclass
class Run:
    """One setting on one scenario, reduced to what crosses processes."""

    scenario: str
    label: str
    family: str
    default: bool
    wait: float
    empty: float
    empty_pilots: int
    looked: int  # pilots that started and could look for work
    pilots: int
    withdrawn: int
    wall: float
    conservation: list[str] = field(default_factory=list)

    @property
    def point(self) -> Point:
        return Point(self.label, self.wait, self.empty)


def _one(task: tuple[str, int | None, Setting | None]) -> Run:
    path, seed, setting = task
    s = load_scenario(path)
    if seed is not None:
        s = s.with_seed(seed)
    t0 = time.perf_counter()
    if setting is None:
        r = run_lower_bound(s)
        label, family, default = LOWER, LOWER, False
    else:
        r = run_policy(s, setting.policy, queue_keys=dict(setting.keys))
        label, family, default = setting.label, setting.family, setting.default
    m, fates = r.metrics.total, r.metrics.fates
    return Run(
        s.name,
        label,
        family,
        default,
        m.wait_p50_s,
        m.empty_share,
        m.empty_pilots,
        fates.pilots_started - m.blackhole_pilots,
        m.pilots_submitted,
        fates.pilots_removed_pending,
        time.perf_counter() - t0,
        [*r.conservation, *r.notes],
    )


def _pt(p: Point | None) -> str:
    if p is None:
        return "none"
    return f"{p.label} {format_duration(p.wait)} / {100 * p.empty:.2f}%"


def _wait(w: float) -> str:
    return format_duration(w)


@dataclass
class Verdict:
    """One scenario's answers, for the summary and --json."""

    scenario: str
    frontier: list[str]
    dominate_realistic: list[str]
    dominate_all: list[str]
    joint_hg: list[str]
    cobald_wait_min_empty: float | None
    cobald_wait_setting: str | None
    cobald_wait_plus_minute_min_empty: float | None
    peers_on_frontier: list[str]
    positions: dict[str, dict[str, object]]


def analyse(name: str, runs: list[Run], lower: Run) -> Verdict:
    """Print one scenario's frontier and answers; return them."""
    pts = [r.point for r in runs]
    default = {r.family: r.point for r in runs if r.default}
    peers = [default[p] for p in PEERS]
    realistic = [default[p] for p in REALISTIC]
    front = frontier(pts)
    print(f"\n=== {name}")
    count = {r.label: f"{r.empty_pilots} of {r.looked}" for r in runs}
    print(
        f"default points (median wait, empty share, empty pilots of those that started); lower bound "
        f"{_wait(lower.wait)}:"
    )
    for fam in (*PEERS, OURS):
        p = default[fam]
        print(f"  {fam:<11} {_wait(p.wait):>7} {100 * p.empty:6.2f}%  {count[p.label]:>15}")
    print(f"Pareto frontier over {len(pts)} settings ({len(front)} points):")
    for p in front:
        print(f"  {_wait(p.wait):>7} {100 * p.empty:6.2f}%  {count[p.label]:>15}  {p.label}")

    dom_r = dominating(pts, realistic)
    dom_a = dominating(pts, peers)
    c = corner(realistic)
    print(
        f"dominating apf24+harvester+glideinwms+keda needs wait <= {_wait(c.wait)} and empty <= "
        f"{100 * c.empty:.2f}%: {len(dom_r)} settings"
        + (f" ({', '.join(p.label for p in dom_r[:6])}{' ...' if len(dom_r) > 6 else ''})" if dom_r else "")
    )
    ca = corner(peers)
    print(
        f"... and cobald too: wait <= {_wait(ca.wait)} and empty <= {100 * ca.empty:.2f}%: {len(dom_a)} settings"
        + (f" ({', '.join(p.label for p in dom_a[:6])})" if dom_a else "")
    )
    hg = corner([default["harvester"], default["glideinwms"]])
    joint = dominating(pts, [default["harvester"], default["glideinwms"]])
    near_w = shortest_wait_within(pts, hg.empty)
    near_e = least_empty_within(pts, hg.wait)
    print(
        f"harvester+glideinwms together: wait <= {_wait(hg.wait)} and empty <= {100 * hg.empty:.2f}%: "
        f"{len(joint)} settings" + (f" ({', '.join(p.label for p in joint[:6])})" if joint else "")
    )
    if near_w is not None:
        print(
            f"  fastest at empty <= {100 * hg.empty:.2f}%: {_pt(near_w)} "
            f"(x{near_w.wait / hg.wait:.2f} harvester's wait)"
            if hg.wait > 0
            else f"  fastest at empty <= {100 * hg.empty:.2f}%: {_pt(near_w)}"
        )
    if near_e is not None:
        print(f"  cleanest at wait <= {_wait(hg.wait)}: {_pt(near_e)}")
    cob = default["cobald"]
    others = [p for p in pts if p != cob]
    at_cob = least_empty_within(others, cob.wait)
    near_cob = least_empty_within(others, cob.wait + 60.0)
    print(
        f"cobald's median wait {_wait(cob.wait)} at {100 * cob.empty:.1f}% empty; lowest empty share of "
        f"another setting that waits no longer: {_pt(at_cob)}; at most a minute longer: {_pt(near_cob)}"
    )
    print("default points against the frontier (wait over the frontier's at that empty share; empty")
    print("share over the frontier's at that wait):")
    positions: dict[str, dict[str, object]] = {}
    for fam in (*PEERS, OURS):
        pos = position(default[fam], pts)
        ratio = f"x{pos.wait_ratio:.2f}" if pos.wait_ratio is not None else "x inf"
        where = "on the frontier" if pos.on_frontier else f"beaten by {_pt(pos.beaten_by)}"
        print(f"  {fam:<11} wait {ratio:>7}  empty +{100 * pos.empty_gap:5.2f} pts  {where}")
        positions[fam] = {
            "on_frontier": pos.on_frontier,
            "wait_ratio": None if pos.wait_ratio is None else round(pos.wait_ratio, 3),
            "empty_gap": round(pos.empty_gap, 4),
            "beaten_by": pos.beaten_by.label if pos.beaten_by else None,
        }
    print("each family's own frontier (wait / empty %):")
    for fam in dict.fromkeys(r.family for r in runs):
        own = frontier([r.point for r in runs if r.family == fam])
        print(f"  {fam:<11} " + "  ".join(f"{_wait(p.wait)}/{100 * p.empty:.1f}" for p in own))
    for r in [*runs, lower]:
        for problem in r.conservation:
            print(f"  NOTE {r.label}: {problem}")
    return Verdict(
        name,
        [p.label for p in front],
        [p.label for p in dom_r],
        [p.label for p in dom_a],
        [p.label for p in joint],
        None if at_cob is None else at_cob.empty,
        None if at_cob is None else at_cob.label,
        None if near_cob is None else near_cob.empty,
        [f for f in PEERS if position(default[f], pts).on_frontier],
        positions,
    )


def single_settings(by_scenario: dict[str, list[Run]]) -> None:
    """Settings held fixed over every scenario (as a default policy is): on how many scenarios each
    dominates the realistic peers' points, and its pooled empty share."""
    labels = dict.fromkeys(r.label for runs in by_scenario.values() for r in runs)
    rows = []
    for label in labels:
        wins, empty, looked = 0, 0, 0
        for runs in by_scenario.values():
            default = {r.family: r.point for r in runs if r.default}
            mine = next(r for r in runs if r.label == label)
            wins += bool(dominating([mine.point], [default[p] for p in REALISTIC]))
            empty += mine.empty_pilots
            looked += mine.looked
        rows.append((wins, -(empty / looked if looked else 0.0), label, empty, looked))
    rows.sort(reverse=True)
    n = len(by_scenario)
    print(
        f"\n=== one setting on every scenario: dominates apf24+harvester+glideinwms+keda on how many of {n}"
    )
    for wins, _, label, empty, looked in rows[:12]:
        share = empty / looked if looked else 0.0
        print(f"  {wins:>2}/{n}  pooled empty {100 * share:5.2f}%  {label}")


def write_svg(directory: Path, name: str, runs: list[Run], lower: Run) -> Path:
    marked = [Marked(r.point, r.family, r.default and r.family in (*PEERS, OURS)) for r in runs]
    svg = render_plane(
        marked, Point("lower bound", lower.wait, lower.empty), f"{name}: median wait vs empty share"
    )
    directory.mkdir(parents=True, exist_ok=True)
    out = directory / f"frontier-{name}.svg"
    out.write_text(svg)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="a coarser sweep (about a third of the runs)")
    ap.add_argument("--only", nargs="*", default=[], metavar="NAME", help="run only these scenarios")
    ap.add_argument("--scenarios", default=str(HERE / "scenarios"), help="directory of the suite")
    ap.add_argument("--heldout", default=str(HERE / "scenarios" / "heldout"), help="held-out scenarios")
    ap.add_argument("--no-heldout", action="store_true", help="skip the held-out scenarios")
    ap.add_argument("--jobs", type=int, default=2, help="processes running simulations at once")
    ap.add_argument("--seed", type=int, help="run every scenario with this seed (default: its own)")
    ap.add_argument("--svg", metavar="DIR", help="write frontier-<scenario>.svg there")
    ap.add_argument("--json", metavar="OUT.json", help="write every run and verdict as JSON")
    args = ap.parse_args()

    files = sorted(Path(args.scenarios).glob("*.toml"))
    if not args.no_heldout:
        files += sorted(Path(args.heldout).glob("*.toml"))
    if args.only:
        files = [f for f in files if f.stem in args.only]
    if not files:
        raise SystemExit("no scenario to run (check --only and the directories)")
    settings = families(args.quick)
    # the costliest runs (COBalD's aggressive rates submit 100,000+ pilots) first, to balance the pool
    order = sorted(settings, key=lambda s: s.family != "cobald")
    tasks: list[tuple[str, int | None, Setting | None]] = [
        (str(f), args.seed, s) for s in order for f in files
    ] + [(str(f), args.seed, None) for f in files]
    print(
        f"{len(settings)} settings in {len(set(s.family for s in settings))} families x {len(files)} scenarios"
        f" (+ the lower bound): {len(tasks)} runs on {args.jobs} processes"
    )
    t0 = time.perf_counter()
    results: list[Run] = []
    step = max(1, len(tasks) // 10)
    with ProcessPoolExecutor(max(1, args.jobs)) as pool:
        for r in pool.map(_one, tasks, chunksize=1):
            results.append(r)
            if len(results) % step == 0:
                print(
                    f"  {len(results)}/{len(tasks)} runs, {time.perf_counter() - t0:.0f} s", file=sys.stderr
                )
    wall = time.perf_counter() - t0
    by: dict[str, list[Run]] = {}
    lowers: dict[str, Run] = {}
    for r in results:
        if r.label == LOWER:
            lowers[r.scenario] = r
        else:
            by.setdefault(r.scenario, []).append(r)
    verdicts = [analyse(name, by[name], lowers[name]) for name in by]
    if args.svg:
        for name in by:
            print(f"wrote {write_svg(Path(args.svg), name, by[name], lowers[name])}")

    print(
        f"\n=== summary ({len(results)} runs, {wall:.0f} s wall, {sum(r.wall for r in results):.0f} s of runs)"
    )
    print(
        f"{'scenario':<16} {'front':>5} {'dom. 4 peers':>12} {'+cobald':>7} {'H+G':>4} "
        f"{'cobald wait at':>14} {'+1 min at':>9}  peers on the frontier"
    )
    for v in verdicts:
        at = "none" if v.cobald_wait_min_empty is None else f"{100 * v.cobald_wait_min_empty:.1f}%"
        near = (
            "none"
            if v.cobald_wait_plus_minute_min_empty is None
            else f"{100 * v.cobald_wait_plus_minute_min_empty:.1f}%"
        )
        print(
            f"{v.scenario:<16} {len(v.frontier):>5} {len(v.dominate_realistic):>12} {len(v.dominate_all):>7} "
            f"{len(v.joint_hg):>4} {at:>14} {near:>9}  {', '.join(v.peers_on_frontier) or '-'}"
        )
    single_settings(by)
    if args.json:
        doc = {
            "runs": [asdict(r) for r in results],
            "verdicts": [asdict(v) for v in verdicts],
            "wall_s": round(wall, 1),
        }
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
