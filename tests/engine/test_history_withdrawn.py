"""The history keeper lists the pilots a queue withdrew: a batch system's queue no longer lists a
removed pilot, and without them a policy that withdraws reads a site's start waits as shorter than
they are (only the pending pilots that happened to start would be left)."""

from __future__ import annotations

from dataclasses import replace

from autopyfactory.engine.history import WITHDRAWN_SPAN, HistoryKeeper
from autopyfactory.engine.outcome import ActionKind, CycleReport, Outcome
from autopyfactory.model.decision import Decision
from autopyfactory.model.history import PilotTimes, QueueHistory
from autopyfactory.sched.observed import start_waits
from tests.sched.helpers import snap


def test_withdrawn_pilots_are_the_newest_pending_ones_and_are_kept_for_the_span() -> None:
    now = 10_000.0
    pilots = (
        PilotTimes(1000.0, 1300.0),  # started
        PilotTimes(2000.0),
        PilotTimes(3000.0),
        PilotTimes(4000.0),
    )
    s = replace(snap(activated=0, pending=3, now=now), history=QueueHistory(pilots=pilots))
    keeper = HistoryKeeper(lambda: [], lambda: {})
    out = Outcome("Q", s, Decision("Q", 0, (), 2), ActionKind.WITHDRAW, withdrawn=2)
    keeper.record(CycleReport(1, [out]))
    assert keeper.withdrawn("Q") == (PilotTimes(3000.0, None, now), PilotTimes(4000.0, None, now))
    # they count as waits not over: 7000 s and 6000 s at least, with the pending one at 8000 s
    waits = start_waits((*pilots[:2], *keeper.withdrawn("Q")), now, 0.0)
    assert waits.median is None and waits.longest_unstarted == 8000.0
    # a later cycle past the span forgets them
    later = replace(s, now=now + WITHDRAWN_SPAN + 1)
    keeper.record(CycleReport(2, [Outcome("Q", later, Decision("Q", 0, ()), ActionKind.NONE)]))
    assert keeper.withdrawn("Q") == ()
