"""What a queue's history says, as pure functions: how long its pilots wait to start, what became of
them (found work, found none, died at once), how its activated jobs move. Sched plugins that learn
from the past share these."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from autopyfactory.model.history import CycleSample, PilotTimes

PENDING, RUNNING, FOUND, EMPTY, DIED = "pending", "running", "found", "empty", "died"


def fate(p: PilotTimes, now: float, empty_wallclock: float, died_wallclock: float) -> str:
    """What became of a pilot. A batch system rarely says whether a pilot ran a payload, so unless it
    does (``found_job``), a pilot that ran less than ``died_wallclock`` died (black hole), one that
    ran less than ``empty_wallclock`` found no job, and one still running past ``empty_wallclock``
    found one. A pilot running for less than that is ``running`` (not known yet)."""
    if p.started_at is None:
        return PENDING
    if p.ended_at is None:
        return FOUND if p.found_job or now - p.started_at >= empty_wallclock else RUNNING
    wallclock = p.ended_at - p.started_at
    if p.found_job is not None:
        return FOUND if p.found_job else (DIED if wallclock < died_wallclock else EMPTY)
    if wallclock < died_wallclock:
        return DIED
    return EMPTY if wallclock < empty_wallclock else FOUND


@dataclass(frozen=True, slots=True)
class Waits:
    """Pilot start waits: Kaplan-Meier median (pending pilots, and pilots removed before they
    started, count as waits not over yet), the median of those that started, how many observations
    there were, and the longest wait not over (while fewer than half started, the median is at
    least that)."""

    median: float | None
    started_median: float | None
    observed: int
    started: int = 0
    longest_unstarted: float | None = None


def start_waits(pilots: Iterable[PilotTimes], now: float, since: float) -> Waits:
    """Waits of pilots submitted after ``since``."""
    done: list[float] = []
    censored: list[float] = []
    for p in pilots:
        if p.submitted_at < since:
            continue
        if p.started_at is None:
            # pending, or removed before starting: its wait was at least as long as it was there
            censored.append((p.ended_at if p.ended_at is not None else now) - p.submitted_at)
        else:
            done.append(p.started_at - p.submitted_at)
    longest = max(censored, default=None)
    if not done:
        return Waits(None, None, len(censored), 0, longest)
    events = sorted([(w, True) for w in done] + [(c, False) for c in censored])
    at_risk = len(events)
    survival = 1.0
    median = None
    for t, started in events:
        if started:
            survival *= 1.0 - 1.0 / at_risk
            if survival <= 0.5:
                median = t
                break
        at_risk -= 1
    done.sort()
    return Waits(median, done[len(done) // 2], len(events), len(done), longest)


def started_share(
    pilots: Iterable[PilotTimes], submitted_from: float, submitted_to: float
) -> tuple[int, int]:
    """(started, submitted) for pilots submitted in [submitted_from, submitted_to)."""
    started = total = 0
    for p in pilots:
        if submitted_from <= p.submitted_at < submitted_to and not (p.started_at is None and p.ended_at):
            total += 1
            if p.started_at is not None:
                started += 1
    return started, total


def slope(samples: Sequence[CycleSample], since: float) -> float | None:
    """Least-squares slope (jobs per second) of the activated count over samples taken after ``since``;
    None with fewer than three."""
    pts = [(s.at, float(s.activated)) for s in samples if s.at >= since and s.activated is not None]
    if len(pts) < 3:
        return None
    n = len(pts)
    mt = sum(t for t, _ in pts) / n
    ma = sum(a for _, a in pts) / n
    var = sum((t - mt) ** 2 for t, _ in pts)
    if var <= 0:
        return None
    return sum((t - mt) * (a - ma) for t, a in pts) / var
