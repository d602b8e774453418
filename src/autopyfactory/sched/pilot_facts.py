"""What one queue's recent pilots say about its site, as plain numbers (pure functions of the
pilots' lives and the time): how long its pilots wait to start, whether it starts what it is given,
whether its pilots die at once, how many of them found work, which pending ones are stuck."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from autopyfactory.model.history import PilotTimes
from autopyfactory.sched.observed import DIED, EMPTY, FOUND, fate, start_waits

HISTORY_SPAN = 6 * 3600.0  # pilots submitted this long ago still tell the start wait
OUTCOME_SPAN = 2 * 3600.0  # pilots started this long ago still tell how many find work
DEATH_SPAN = 3600.0  # pilots ended this long ago still tell whether the site is a black hole
SATURATION_SAMPLE = 10  # the last pilots that had time to start tell whether the site starts them
SATURATED_SHARE = 0.3  # ... and it does not when fewer than this share of them did
MATURE_FACTOR = 3.0  # a pilot has had its time to start after this many typical start waits
STUCK_FACTOR = 5.0  # a pending pilot this many lead times old (and over an hour) is stuck
STUCK_FLOOR = 3600.0


@dataclass(frozen=True, slots=True)
class PilotFacts:
    """One queue's site, as its pilots tell it (``None``: no pilot has told yet)."""

    lead: float | None  # Kaplan-Meier median start wait (pending and withdrawn pilots count as waits
    # not over; while fewer than half started, the longest of those: the median is at least that)
    usual: float | None  # median start wait of the pilots that started
    saturated: bool  # it no longer starts the pilots it is given
    black_hole: bool  # its pilots die within seconds of starting
    died: int  # pilots that ended in the last hour: died at once
    ended: int  # ... all of them
    found: int  # pilots started in the last two hours that found work
    empty: int  # ... that found none
    stuck: int  # pending pilots far older than the site's usual start wait
    starts: int  # pilots that started in the last lead time (at least ``floor``)

    @property
    def empty_share(self) -> float:
        """The share of recent pilots that found no work, as far as the evidence goes: the lower end
        of its Wilson score interval (one standard deviation), so one empty pilot among a few is
        not read as a high share, while a share the pilots keep showing is (0 with none known)."""
        return wilson_lower(self.empty, self.found + self.empty)


def wilson_lower(k: int, n: int, z: float = 1.0) -> float:
    """The lower end of the Wilson score interval of a share seen as ``k`` of ``n`` (0 when n is 0)."""
    if n <= 0:
        return 0.0
    p = k / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, (centre - margin) / (1 + z * z / n))


def pilot_facts(
    pilots: Sequence[PilotTimes],
    now: float,
    empty_wallclock: float,
    died_wallclock: float,
    floor: float,
) -> PilotFacts:
    """``floor``: the shortest time a site is granted to start a pilot (one cycle): the span over
    which recent starts are counted is the lead time or that, whichever is longer."""
    waits = start_waits(pilots, now, now - HISTORY_SPAN)
    lead = waits.median
    if lead is None:  # fewer than half have started: the median is at least the longest wait not over
        lead = waits.longest_unstarted
    recent = max(lead or 0.0, floor)
    # how long a pilot is given to start: a few typical waits, the Kaplan-Meier median (pilots
    # pending or withdrawn count as waits not over: the median of those that started alone is
    # biased towards the quick ones, most of all at a site with a long tail); while fewer than
    # half have started, the median of those that did, once enough did
    typical = waits.median
    if typical is None:
        typical = waits.started_median if waits.started >= SATURATION_SAMPLE else lead
    grace = max(MATURE_FACTOR * typical, floor) if typical is not None else None
    matured: list[PilotTimes] = []
    stuck = starts = found = empty = 0
    stuck_age = max(STUCK_FLOOR, STUCK_FACTOR * lead) if lead is not None else None
    ended: list[tuple[float, str]] = []
    for p in pilots:
        started, gone = p.started_at, p.ended_at
        if started is None:
            # pending past its grace, or removed after it: it did not start when it should have
            old = grace is not None and (gone if gone is not None else now) - p.submitted_at >= grace
            if old:
                matured.append(p)
            if gone is None and stuck_age is not None and now - p.submitted_at > stuck_age:
                stuck += 1
            continue
        if grace is not None and now - p.submitted_at >= grace:
            matured.append(p)
        if started >= now - recent:
            starts += 1
        what = fate(p, now, empty_wallclock, died_wallclock)
        if started >= now - OUTCOME_SPAN:
            if what == FOUND:
                found += 1
            elif what == EMPTY:
                empty += 1
        if gone is not None and gone >= now - DEATH_SPAN:
            ended.append((gone, what))
    matured.sort(key=lambda p: p.submitted_at)
    last = matured[-SATURATION_SAMPLE:]
    started_share = sum(1 for p in last if p.started_at is not None)
    # the newest of them did not start either: one that did (a probe) ends the verdict
    saturated = (
        len(last) >= SATURATION_SAMPLE // 2
        and started_share < SATURATED_SHARE * len(last)
        and last[-1].started_at is None
    )
    ended.sort()
    died = sum(1 for _, what in ended if what == DIED)
    black_hole = len(ended) >= 3 and 2 * died >= len(ended) and ended[-1][1] == DIED
    return PilotFacts(
        lead=lead,
        usual=waits.started_median,
        saturated=saturated,
        black_hole=black_hole,
        died=died,
        ended=len(ended),
        found=found,
        empty=empty,
        stuck=stuck,
        starts=starts,
    )


def found_rate(
    pilots: Sequence[PilotTimes], now: float, window: float, empty_wallclock: float, died_wallclock: float
) -> float:
    """Pilots per second that started in the last ``window`` (and long enough ago to know) and found
    work: the rate at which the WMS queue has needed new pilots."""
    since, until = now - window, now - empty_wallclock
    if until <= since:
        return 0.0
    n = 0
    for p in pilots:
        s = p.started_at
        if s is not None and since <= s <= until and fate(p, now, empty_wallclock, died_wallclock) == FOUND:
            n += 1
    return n / (until - since)


def started_since(pilots: Sequence[PilotTimes], t: float) -> int:
    """Pilots that started after ``t``."""
    return sum(1 for p in pilots if p.started_at is not None and p.started_at > t)
