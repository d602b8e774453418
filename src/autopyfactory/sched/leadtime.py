"""leadtime: order-up-to provisioning from what the factory observes, withdrawing what is not needed.

A pilot submitted now starts a lead time later, and a pilot that starts when no job waits leaves
within minutes: pilots are a perishable supply. ``leadtime`` keeps on their way as many pilots as
the jobs that will want a new one within the lead time, shares them among the factory's queues that
feed the same WMS queue, and withdraws pending pilots it no longer needs: a pilot that has not
started costs nothing to remove, and is exactly what turns into an empty pilot when a queue drains,
after a burst, or at a site that no longer starts pilots. It never removes a running pilot: the
engine's withdraw action removes only pilots that have not started, whatever ``peaceful`` says.

Everything it uses is in the snapshot: the WMS queue's activated jobs and the age of that count,
the queue's pending and running pilots, the site status, and the queue's history (its earlier
decisions, the lives of its recent pilots and of the pilots of the factory's other queues that
feed the same WMS queue). Rules, in order:

1. No WMS, batch or site data: nothing (as Ready).
2. Site ``offline``: withdraw every pending pilot, submit nothing (its pilots would find no work).
3. Black hole: when at least 3 of the queue's pilots ended in the last hour, half of them died
   within ``diedwallclock`` of starting and so did the last one, keep one probe pilot pending and
   withdraw the others; a probe that lives ends the probing.
4. Site in ``test``: keep one pilot pending (2.4's StatusTest example value), withdraw the others.
5. Lead time ``L`` of each queue: the Kaplan-Meier median of its pilots' start waits over the last
   6 h, pending pilots and pilots withdrawn before they started counting as waits not over yet
   (a withdrawn pilot waited at least until it was withdrawn; leaving it out would keep only the
   pilots lucky enough to start, and read a long-tailed site as quick); while fewer than half
   started, the longest of those waits, which the median is at least; one cycle before any pilot
   was seen. The factory's history lists the pilots each queue withdrew.
6. Saturation: a site whose last 10 pilots that had 3 lead times to start mostly did not (fewer
   than 30%; pilots withdrawn after that long count as not started), the newest of them included,
   while its running pilots are at their level of the last 2 hours starts a pending pilot only
   when a running one leaves, which happens when there is no work left for it: its pending pilots
   but one are withdrawn and it gets no other. The one left is a probe: when it starts (a slot
   freed), the newest pilot that had its time did start and the verdict ends. Pending pilots older
   than 5 lead times (and an hour) are stuck: withdrawn, not counted.
7. Demand that persists: the activated jobs less the pilots (of every queue feeding the WMS
   queue) that started since the count was taken (its age plus ``wmslag``: each took a job the
   count includes), and at most what the same correction left of the count at the last decision:
   jobs that came and went within a cycle were taken by the running pilots, which ask for a new
   job after each one (the count cannot tell which jobs are new; the smaller of the two is the
   part that stayed). The running pilots feeding the WMS queue take at most one new job each
   before a new pilot could, so the jobs beyond them persist whatever the last count was: a burst
   at a queue with few running pilots is served at once, not a cycle later.
8. Drain: the jobs the running pilots will take before a new pilot starts: the rate at which the
   activated count fell over the last three cycles, times ``L``.
9. Forecast (``forecast = True``, site ``online`` only): the jobs that will want a new pilot within
   the lead time: the rate at which the WMS queue turned new pilots into running jobs over the last
   ``window``, plus the queue's growth (least-squares slope of its activated count over that
   window), times the horizon ``min(L - 2 cycles, maxhorizon)`` (none below 0). A pilot's
   usefulness does not outlive its start, so the supply that covers a steady need is that rate
   times the lead time (Little's law), not more; and the jobs that come within two cycles (the
   next decision, with counts up to a cycle old) are still covered by that decision's pilots a lead
   time later, sooner than a forecast pilot finds them: a pilot sent ahead for them reaches a
   queue that a running pilot, back for its next job, has most likely emptied (a pilot that finds
   no job leaves within minutes). At a site that starts pilots within two cycles the forecast is
   therefore 0, and the policy serves the jobs it sees.
10. Back-off on empty pilots: with ``e`` the share of the queue's pilots of the last 2 h that found
    no job, as far as the evidence goes (the lower end of its Wilson score interval: one empty
    pilot among fifteen is not a share of 7%), and ``t = emptytarget``, the forecast is scaled by ``max(0, 1 - e / 2t)`` and the
    demand by ``max(0.2, 1 - (e - t) / 4t)``.
11. Order up to ``need = demand - drain + forecast`` for the WMS queue. Each feeding queue's part
    is ``1/L`` over the sum for the queues that can start pilots (not saturated, not a black
    hole): a site whose pilots start sooner takes more. The shortfall, ``need`` less the pilots on
    their way to those queues, is submitted in those parts, rounded to the nearest while jobs seen
    waiting (the demand) exceed the pilots on their way, else rounded down: a forecast gets pilots
    only for whole jobs (a pilot sent for 0.7 of a job finds none 30% of the time), a waiting job
    always gets one. When there is no shortfall, each queue withdraws its pending pilots beyond its
    part of ``need``, newest first (``withdraw = True``). A withdrawal costs nothing here; at a
    real CE it is a ``condor_rm`` of an idle job (and for a grid CE a cancel passed on to its
    batch system): load on the CE, not on the site's slots.
12. Ramp: the queue's pending pilots stay within ``initial + 2 x pilots started in the last
    max(L, cycle)``: a site shows it starts pilots before it gets many more, its capacity being
    unknown until it stops starting them (``initial`` is 2.4's example ``maxpending``, and
    Harvester's ``nQueueLimitWorkerMin``).

Without pilot lives in the history (a batch status plugin that does not report them), rules 3, 5,
6 and 9 have nothing to go on and the policy is Ready with the corrections of rules 7 and 8, the
withdrawal of rule 11 and the ramp (``initial`` pending pilots at most). Every decision's message
carries the inputs and intermediate numbers of these rules."""

from __future__ import annotations

import math
from dataclasses import dataclass

from autopyfactory.config.keys import BOOL, NONNEG_FLOAT, Key
from autopyfactory.config.queue import SLEEP
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.history import CycleSample, QueueHistory, SiblingQueue
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message
from autopyfactory.sched.observed import slope
from autopyfactory.sched.pilot_facts import PilotFacts, found_rate, pilot_facts, started_since

P = "sched.leadtime."
WMSLAG = Key(
    P + "wmslag",
    NONNEG_FLOAT,
    120.0,
    "seconds the WMS counts are older than their poll (PanDA refreshes every 2 min)",
)
EMPTY_WALLCLOCK = Key(
    P + "emptywallclock", NONNEG_FLOAT, 300.0, "a pilot that leaves within this found no job"
)
DIED_WALLCLOCK = Key(
    P + "diedwallclock", NONNEG_FLOAT, 30.0, "a pilot that ends within this died (black hole)"
)
WINDOW = Key(P + "window", NONNEG_FLOAT, 3600.0, "seconds over which rates are measured")
MAX_HORIZON = Key(P + "maxhorizon", NONNEG_FLOAT, 3600.0, "the longest lead time the forecast covers")
FORECAST = Key(P + "forecast", BOOL, True, "False: cover only the jobs already waiting")
INITIAL = Key(P + "initial", NONNEG_FLOAT, 100.0, "pending pilots allowed before the site has started any")
WITHDRAW = Key(P + "withdraw", BOOL, True, "withdraw pending pilots that are not needed (never running ones)")
EMPTY_TARGET = Key(
    P + "emptytarget", NONNEG_FLOAT, 0.02, "share of pilots finding no job above which it backs off"
)

TRUST_FLOOR = 0.2  # the demand is never trusted less than this
REACTION_CYCLES = 2.0  # the forecast covers the lead time beyond this many cycles (rule 9)
ROUNDING = 0.5  # a pilot is sent for a whole job expected, not a fraction of one
MIN_LEAD = 60.0  # no site is counted as starting pilots sooner than this
LEVEL_SPAN = 2 * 3600.0  # running pilots at their level of this span: the site is not freeing slots
LEVEL_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class _Parts:
    """How the WMS queue's new pilots are shared among the factory's queues that feed it."""

    part: float  # this queue's share
    on_way: int  # pilots pending at the queues that can start them (stuck ones left out)


class LeadTime(SchedPlugin):
    """The ``leadtime`` sched plugin: order-up-to provisioning, enough pilots on their way to cover the
    jobs that will want one a lead time from now, and pending pilots withdrawn when they are not
    needed (rules in the module docstring)."""

    name = "leadtime"
    keys = (
        WMSLAG, EMPTY_WALLCLOCK, DIED_WALLCLOCK, WINDOW, MAX_HORIZON, FORECAST, INITIAL, WITHDRAW, EMPTY_TARGET,
    )  # fmt: skip

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.cycle = float(queue.get(SLEEP))
        self.wmslag: float = queue.get(WMSLAG)
        self.empty_wc: float = queue.get(EMPTY_WALLCLOCK)
        self.died_wc: float = queue.get(DIED_WALLCLOCK)
        self.window: float = max(queue.get(WINDOW), 2 * self.empty_wc)
        self.max_horizon: float = queue.get(MAX_HORIZON)
        self.initial: float = queue.get(INITIAL)
        self.forecast: bool = queue.get(FORECAST)
        self.withdraw: bool = queue.get(WITHDRAW)
        self.empty_target: float = max(1e-4, float(queue.get(EMPTY_TARGET)))

    def _parts(self, me: str, members: tuple[SiblingQueue, ...], facts: dict[str, PilotFacts]) -> _Parts:
        weights: dict[str, float] = {}
        on_way = 0
        for m in members:
            f = facts[m.name]
            if f.saturated or f.black_hole:
                continue
            weights[m.name] = 1.0 / max(MIN_LEAD, f.lead if f.lead is not None else self.cycle)
            on_way += max(0, m.pending - f.stuck)
        total = sum(weights.values())
        return _Parts(weights.get(me, 0.0) / total if total > 0 else 0.0, on_way)

    def _demand(
        self, h: QueueHistory, activated: int, now: float, counted_at: float, absorbers: int
    ) -> tuple[float, int]:
        """Rule 7: (persisting demand, pilots that started since the count). ``absorbers``: the
        running pilots feeding the WMS queue, each of which takes at most one of the jobs that
        came since the last decision before a new pilot could."""
        pilots = h.wms_pilots or h.pilots
        taken = started_since(pilots, counted_at)
        demand = max(0.0, activated - taken)
        if h.samples:
            prev = h.samples[-1]
            if prev.activated is not None and now - prev.at <= 1.5 * self.cycle:
                before = prev.activated - started_since(pilots, prev.at - (now - counted_at))
                demand = max(min(demand, max(0.0, before)), demand - absorbers)
        return demand, taken

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        def done(out: int, withdraw: int, *fields: tuple[str, object]) -> SchedResult:
            wd = withdraw if self.withdraw else 0
            return SchedResult(
                out, message("leadtime", ("in", n), *fields, ("withdraw", wd), ("ret", out)), wd
            )

        if snap.wms is None or snap.batch is None or snap.site is None:
            return SchedResult(
                0, message("leadtime", ("comment", "no wms/batch/site info"), ("in", n), ("ret", 0))
            )
        h = snap.history or QueueHistory()
        now, status = snap.now, snap.site.status
        activated, pending, running = snap.wms.ready, snap.batch.pending, snap.batch.running
        if status == "offline":
            return done(0, pending, ("comment", "site offline"), ("pending", pending))
        me = SiblingQueue(snap.queue, pending, running, h.pilots)
        members = (*(m for m in h.share.members if m.name != snap.queue), me)
        facts = {m.name: pilot_facts(m.pilots, now, self.empty_wc, self.died_wc, self.cycle) for m in members}
        mine = facts[snap.queue]
        if mine.black_hole:
            probe = ("comment", "black hole, probing"), ("died", mine.died), ("ended", mine.ended)
            return done(1 if pending == 0 else 0, max(0, pending - 1), *probe)
        if status == "test":
            return done(
                1 if pending == 0 else 0,
                max(0, pending - 1),
                ("comment", "site in test"),
                ("pending", pending),
            )
        lead = mine.lead if mine.lead is not None else self.cycle
        level = max((s.running or 0 for s in h.samples if s.at >= now - LEVEL_SPAN), default=running)
        if mine.saturated and running >= LEVEL_SHARE * level:
            full = ("comment", "site not starting pilots"), ("pending", pending), ("lead", round(lead))
            return done(1 if pending == 0 else 0, max(0, pending - 1), *full)
        counted_at = (h.wms_taken_at if h.wms_taken_at is not None else now) - self.wmslag
        absorbers = sum(m.running for m in members)
        demand, taken = self._demand(h, activated, now, counted_at, absorbers)
        samples = (*h.samples, CycleSample(now, activated, pending, running, 0))
        drain = max(0.0, -(slope(samples, now - 3.5 * self.cycle) or 0.0)) * lead
        rate = 0.0
        if status == "online" and self.forecast:
            growth = slope(h.samples, now - self.window) or 0.0
            pilots = h.wms_pilots or h.pilots
            rate = found_rate(pilots, now, self.window, self.empty_wc, self.died_wc) + max(0.0, growth)
        horizon = min(max(0.0, lead - REACTION_CYCLES * self.cycle), self.max_horizon)
        e, et = mine.empty_share, self.empty_target
        forecast = rate * horizon * min(1.0, max(0.0, 1.0 - e / (2 * et)))
        trust = min(1.0, max(TRUST_FLOOR, 1.0 - (e - et) / (4 * et)))
        need = max(0.0, demand * trust + forecast - drain)
        parts = self._parts(snap.queue, members, facts)
        shortfall = need - parts.on_way
        room = max(0, math.floor(self.initial + 2 * mine.starts) - pending)
        if shortfall > 0:
            # a job seen waiting that no pilot on the way covers gets one (rounded); a forecast gets
            # pilots only for whole jobs (a pilot sent for 0.7 of a job finds none 30% of the time)
            seen = demand > parts.on_way
            out = min(max(0, math.floor(shortfall * parts.part + (0.5 if seen else 0.0))), room)
            withdraw = mine.stuck if out == 0 else 0
        else:
            out = 0
            withdraw = max(mine.stuck, pending - math.ceil(need * parts.part))
        return done(
            out,
            min(pending, withdraw),
            ("activated", activated),
            ("started_since", taken),
            ("demand", round(demand, 1)),
            ("drain", round(drain, 1)),
            ("pending", parts.on_way),
            ("lead", round(lead)),
            ("rate_h", round(rate * 3600, 1)),
            ("empty", round(e, 3)),
            ("forecast", round(forecast, 1)),
            ("need", round(need, 1)),
            ("part", round(parts.part, 2)),
            ("room", room),
            ("stuck", mine.stuck),
        )
