"""Points on the (median wait, empty share) plane and the questions asked of them: which dominate
which, the Pareto frontier of a set, and how far a point lies from that frontier.

Both axes are costs (lower is better). A point *dominates* another when it is no worse on both axes
(the decision-quality issue's sense: a tie counts); it *strictly* dominates when it is also better on
at least one. The frontier of a set is its points that no point of the set strictly dominates. Pure
functions, no I/O: the frontier benchmark (``benchmarks/frontier.py``) and its tests use them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Point:
    """One run's result: ``label`` names the policy and setting, ``wait`` is the median job wait in
    seconds, ``empty`` the share of pilots that started and found no job (0 to 1)."""

    label: str
    wait: float
    empty: float


def dominates(a: Point, b: Point) -> bool:
    """``a`` is no worse than ``b`` on both axes."""
    return a.wait <= b.wait and a.empty <= b.empty


def strictly_dominates(a: Point, b: Point) -> bool:
    """``a`` is no worse than ``b`` on both axes and better on at least one."""
    return dominates(a, b) and (a.wait < b.wait or a.empty < b.empty)


def dominates_all(a: Point, others: Iterable[Point]) -> bool:
    """``a`` dominates every point of ``others`` (True for none)."""
    return all(dominates(a, o) for o in others)


def frontier(points: Iterable[Point]) -> list[Point]:
    """The points that no other point strictly dominates, by increasing wait (and so decreasing
    empty share); of several points at the same spot, the first given is kept."""
    best: list[Point] = []
    ordered = sorted(points, key=lambda p: (p.wait, p.empty))  # stable: the first of equals stays first
    lowest_empty = float("inf")
    for p in ordered:
        if p.empty < lowest_empty:
            best.append(p)
            lowest_empty = p.empty
    return best


def dominating(points: Iterable[Point], targets: Sequence[Point]) -> list[Point]:
    """The points that dominate every one of ``targets``; none when ``targets`` is empty."""
    if not targets:
        return []
    return [p for p in points if dominates_all(p, targets)]


def corner(targets: Sequence[Point]) -> Point:
    """The worst point that still dominates all of ``targets``: their shortest wait and lowest empty
    share. A point dominates every target exactly when it dominates this corner."""
    if not targets:
        raise ValueError("no targets")
    return Point(
        "+".join(t.label for t in targets), min(t.wait for t in targets), min(t.empty for t in targets)
    )


def least_empty_within(points: Iterable[Point], wait: float) -> Point | None:
    """Of the points whose wait is at most ``wait``, one with the lowest empty share (then the
    shortest wait); None when no point waits that little."""
    fit = [p for p in points if p.wait <= wait]
    return min(fit, key=lambda p: (p.empty, p.wait)) if fit else None


def shortest_wait_within(points: Iterable[Point], empty: float) -> Point | None:
    """Of the points whose empty share is at most ``empty``, one with the shortest wait (then the
    lowest empty share); None when no point is that clean."""
    fit = [p for p in points if p.empty <= empty]
    return min(fit, key=lambda p: (p.wait, p.empty)) if fit else None


@dataclass(frozen=True, slots=True)
class Position:
    """Where ``point`` lies against a set of points: ``on_frontier`` when none of them strictly
    dominates it; ``wait_ratio`` is its wait over the shortest wait of a point of the set at an empty
    share no higher (1 on the frontier's wait side; below 1 never), ``empty_gap`` its empty share
    less the lowest of a point at a wait no longer (0 on the frontier), and ``beaten_by`` a point of
    the set that strictly dominates it, if any (the one closest to it)."""

    point: Point
    on_frontier: bool
    wait_ratio: float | None
    empty_gap: float
    beaten_by: Point | None


def position(point: Point, points: Sequence[Point]) -> Position:
    """``point`` against ``points`` (which may include it)."""
    beaters = [p for p in points if strictly_dominates(p, point)]
    faster = shortest_wait_within([*points, point], point.empty)
    cleaner = least_empty_within([*points, point], point.wait)
    assert faster is not None and cleaner is not None  # ``point`` itself qualifies
    if faster.wait > 0:
        wait_ratio: float | None = point.wait / faster.wait
    else:
        wait_ratio = None if point.wait > 0 else 1.0
    closest = (
        min(beaters, key=lambda p: (point.wait - p.wait) / max(point.wait, 1.0) + (point.empty - p.empty))
        if beaters
        else None
    )
    return Position(point, not beaters, wait_ratio, point.empty - cleaner.empty, closest)
