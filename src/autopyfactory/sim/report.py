"""A simulation's results for people (a table, each policy's point on the wait / empty-share plane,
ratios) and for programs (the ``--json`` document)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autopyfactory.sim.durations import format_duration
from autopyfactory.sim.metrics import QueueMetrics, RunMetrics
from autopyfactory.sim.runner import PolicyRun
from autopyfactory.sim.scenario import Scenario
from autopyfactory.sim.targets import verdict


@dataclass
class Comparison:
    """A scenario's policy runs and its clairvoyant lower bound, for the table, the plot and
    ``--json``."""

    scenario: Scenario
    runs: list[PolicyRun]
    lower_bound: PolicyRun | None = None

    def as_json(self) -> dict[str, object]:
        out: dict[str, object] = {
            "scenario": str(self.scenario.path),
            "seed": self.scenario.simulation.seed,
            "duration_s": self.scenario.simulation.duration,
            "policies": {r.name: r.metrics.as_dict() for r in self.runs},
            "lower_bound": self.lower_bound.metrics.as_dict() if self.lower_bound else None,
            "runs": {
                r.name: {
                    "wall_s": round(r.wall_seconds, 3),
                    "simulated_per_real": round(r.speedup, 1),
                    "decisions": r.decisions,
                    "notes": r.notes,
                    "conservation_problems": r.conservation,
                    **r.metrics.fates.as_dict(),
                }
                for r in [*self.runs, *([self.lower_bound] if self.lower_bound else [])]
            },
        }
        return out


def _ratio(a: float, b: float) -> str:
    if b <= 0:
        return "-" if a <= 0 else "inf"
    return f"{a / b:.2f}"


def _row(name: str, r: RunMetrics, lb: QueueMetrics | None) -> str:
    m = r.total
    regret = _ratio(m.wait_p50_s, lb.wait_p50_s) if lb is not None else "-"
    ppj = f"{m.pilots_per_job:.2f}" if m.pilots_per_job is not None else "-"
    return (
        f"{name:<16} {m.jobs_started:>7}/{m.jobs:<7} {format_duration(m.wait_p50_s):>7} "
        f"{format_duration(m.wait_p95_s):>7} {format_duration(m.wait_max_s):>7} {m.pilots_submitted:>8} "
        f"{r.fates.pilots_started:>8} {r.fates.pilots_removed_pending:>7} {m.empty_pilots:>6} "
        f"{100 * m.empty_share:>6.2f}% {m.blackhole_pilots:>6} {m.idle_pilot_hours:>8.1f} {ppj:>6} {regret:>7}"
    )


HEADER = (
    f"{'policy':<16} {'started/jobs':>15} {'wait50':>7} {'wait95':>7} {'waitmax':>7} {'pilots':>8} "
    f"{'started':>8} {'removed':>7} {'empty':>6} {'share':>7} {'bhole':>6} {'idle_h':>8} {'p/job':>6} {'vs LB':>7}"
)


def table(c: Comparison) -> str:
    """Totals per policy, the lower bound last, with each policy's median wait over the bound's.
    ``started``: pilots that started; ``removed``: pilots removed before they started (withdrawn
    or retired); ``share``: empty pilots over the pilots that started (black-hole deaths aside)."""
    lb = c.lower_bound.metrics.total if c.lower_bound else None
    lines = [HEADER, "-" * len(HEADER)]
    for r in c.runs:
        lines.append(_row(r.name, r.metrics, lb))
    if c.lower_bound is not None and lb is not None:
        lines.append(_row("(lower bound)", c.lower_bound.metrics, lb))
    return "\n".join(lines)


def plane(c: Comparison) -> str:
    """Each policy's point (median wait, empty share); a point no other point beats on both is
    marked ``*`` (the Pareto front)."""
    pts = [(r.name, r.metrics.total.wait_p50_s, r.metrics.total.empty_share) for r in c.runs]
    lines = ["point on the (median wait, empty share) plane:"]
    for name, w, e in sorted(pts, key=lambda p: (p[1], p[2])):
        beaten = any((w2 <= w and e2 <= e) and (w2 < w or e2 < e) for n2, w2, e2 in pts if n2 != name)
        lines.append(
            f"  {'*' if not beaten else ' '} {name:<16} wait50={format_duration(w):>7} empty={100 * e:5.1f}%"
        )
    return "\n".join(lines)


def ratios(c: Comparison, policy: str, peers: Sequence[str]) -> str:
    """``policy`` against each peer and the lower bound: median-wait and empty-share ratios, and
    whether its point dominates (no worse on both), else on which axis the peer is better."""
    by = {r.name: r.metrics.total for r in c.runs}
    if policy not in by:
        return ""
    me = by[policy]
    others = [p for p in peers if p in by and p != policy]
    v = verdict(me, by, c.lower_bound.metrics.total if c.lower_bound else None, others)
    lines = [f"{policy} against:"]
    for p in others:
        o = by[p]
        what = "dominates" if v.dominates[p] else f"does not dominate: {v.why_not[p]}"
        lines.append(
            f"  {p:<14} wait x{_ratio(me.wait_p50_s, o.wait_p50_s):>6}  empty share x{_ratio(me.empty_share, o.empty_share):>6}"
            f"  {what}"
        )
    if c.lower_bound is not None:
        lb = c.lower_bound.metrics.total
        lines.append(f"  {'lower bound':<14} wait x{_ratio(me.wait_p50_s, lb.wait_p50_s):>6}")
    return "\n".join(lines)


def speed(c: Comparison) -> str:
    parts = [f"{r.name} {r.speedup:,.0f}x" for r in c.runs]
    return "simulated/real time: " + ", ".join(parts)
