"""The decision-quality targets, as a verdict on one comparison.

A policy's point (median wait, empty share) dominates a peer's when both are no worse. The wait
target: a median wait at most 0.8 x the best peer's, or at most 1.2 x the clairvoyant lower
bound's. The empty-share target (under 5% of pilots) is judged over a whole suite (the benchmark
sums empty pilots and pilots that could look for work over its scenarios)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autopyfactory.sim.durations import format_duration
from autopyfactory.sim.metrics import QueueMetrics

BEST_PEER_FACTOR = 0.8
LOWER_BOUND_FACTOR = 1.2
EMPTY_TARGET = 0.05


@dataclass(frozen=True)
class Verdict:
    """``policy`` against ``peers`` and the lower bound on one scenario."""

    dominates: dict[str, bool]
    why_not: dict[str, str]  # peer -> on which axis it is better
    wait_target: bool
    wait_vs_best_peer: float | None
    wait_vs_lower_bound: float | None

    @property
    def met(self) -> bool:
        return all(self.dominates.values()) and self.wait_target

    def as_dict(self) -> dict[str, object]:
        return {
            "dominates": self.dominates,
            "not_dominated_because": self.why_not,
            "wait_target": self.wait_target,
            "wait_vs_best_peer": self.wait_vs_best_peer,
            "wait_vs_lower_bound": self.wait_vs_lower_bound,
            "met": self.met,
        }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b > 0 else None


def verdict(
    me: QueueMetrics,
    peers: Mapping[str, QueueMetrics],
    lower_bound: QueueMetrics | None,
    names: Sequence[str],
) -> Verdict:
    dominates: dict[str, bool] = {}
    why: dict[str, str] = {}
    for p in names:
        o = peers[p]
        wait_ok, empty_ok = me.wait_p50_s <= o.wait_p50_s, me.empty_share <= o.empty_share
        dominates[p] = wait_ok and empty_ok
        if not dominates[p]:
            why[p] = " and ".join(
                part
                for ok, part in (
                    (wait_ok, f"its median wait is shorter ({format_duration(o.wait_p50_s)})"),
                    (empty_ok, f"its empty share is lower ({100 * o.empty_share:.2f}%)"),
                )
                if not ok
            )
    best = min((peers[p].wait_p50_s for p in names), default=0.0)
    lb = lower_bound.wait_p50_s if lower_bound is not None else 0.0
    wait_ok = me.wait_p50_s <= BEST_PEER_FACTOR * best or (
        lower_bound is not None and me.wait_p50_s <= LOWER_BOUND_FACTOR * lb
    )
    return Verdict(dominates, why, wait_ok, _ratio(me.wait_p50_s, best), _ratio(me.wait_p50_s, lb))
