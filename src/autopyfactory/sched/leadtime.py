"""leadtime: order-up-to provisioning from what the factory observes.

A pilot submitted now starts a lead time later; ``leadtime`` keeps enough pilots on their way to
cover the jobs that will want one by then, and no more. Everything it uses is in the snapshot: the
WMS queue's activated jobs and the age of that count, the queue's pending and running pilots, the
site status, and the queue's history (the lives of its recent pilots and of the pilots of the
factory's other queues that feed the same WMS queue, and its earlier decisions). Rules, in order:

1. No WMS, batch or site data: 0 (as Ready).
2. Site ``offline``: 0. Site in ``test``: keep one pilot pending (2.4's StatusTest example value).
3. Black hole: when at least 3 of the queue's pilots ended in the last hour, half of them died within
   ``diedwallclock`` of starting and so did the last one, keep one probe pilot pending; a probe that
   lives ends the probing.
4. Lead time ``L``: the Kaplan-Meier median of the queue's pilots' waits from submission to start
   over the last 6 h (pilots still pending count as waits not over yet); one cycle without data.
5. Site full: when fewer than 30% of the queue's last 10 pilots submitted more than twice their usual
   start wait ago have started, the site is not starting what it was given: nothing more.
6. Demand: the activated jobs minus the pilots (of every queue feeding the WMS queue) that started
   since the count was taken (its age plus ``wmslag``): each of those took a job the count includes.
7. Forecast (``forecast = True``): jobs that will want a new pilot before one submitted now can
   start: the rate at which the WMS queue turned new pilots into running jobs over the last
   ``window`` plus the queue's growth (the least-squares rise of its activated count over that
   window), times the horizon ``cycle / 2 + age of the count + min(L, maxhorizon)``. Only while the
   site is ``online`` (a ``brokeroff`` site gets no new work).
8. Drain: what the pilots already running will take before a new one starts: the rate at which the
   activated count fell over the last three cycles, times ``L``.
9. Back-off on empty pilots: with ``e`` the share of the queue's pilots of the last 2 h that found no
   job (they left within ``emptywallclock`` without dying at once), the forecast is scaled by
   ``max(0, 1 - e / 10%)`` and the demand by ``max(0.5, 1 - (e - 2%) / 16%)``: counts that keep
   sending pilots to nothing are trusted less.
10. Order up to demand + forecast - drain: the WMS queue's shortfall is that minus the pending pilots
    of all its queues; this queue takes its part, in proportion to the pilots of the WMS queue that
    found work at its site lately (a faster site gets more).
11. Ramp: the queue's pending pilots stay within ``max(initial, 2 x pilots started in the last
    max(L, cycle))``: a site shows it starts pilots before it gets many more, since its capacity is
    unknown until it stops starting them (``initial`` is the usual first allowance of production
    factories, 2.4's example ``maxpending`` and Harvester's ``nQueueLimitWorkerMin``).

Every decision's message carries the inputs and intermediate numbers of these rules."""

from __future__ import annotations

import math
from dataclasses import dataclass

from autopyfactory.config.keys import BOOL, NONNEG_FLOAT, Key
from autopyfactory.config.queue import SLEEP
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.history import CycleSample, PilotTimes, QueueHistory
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message
from autopyfactory.sched.observed import DIED, EMPTY, FOUND, fate, slope, start_waits

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

HISTORY_SPAN = 6 * 3600.0
OUTCOME_SPAN = 2 * 3600.0
FULL_SITE_SHARE = 0.3
FULL_SITE_SAMPLE = 10
EMPTY_STOP = 0.10  # forecasting stops when this share of pilots find nothing
EMPTY_OK = 0.02  # up to this share, the demand is taken at its word
EMPTY_SPAN = 0.16  # demand is halved at EMPTY_OK + EMPTY_SPAN / 2


@dataclass(frozen=True, slots=True)
class _Seen:
    """What the history says, reduced to the numbers the rules use."""

    lead: float
    usual_wait: float
    full: bool
    died: int
    ended: int
    last_died: bool
    empty_share: float
    found_rate: float  # WMS queue's pilots that found work, per second
    own_part: float
    started_since_count: int
    recent_starts: int


class LeadTime(SchedPlugin):
    """The ``leadtime`` sched plugin: order-up-to provisioning, enough pilots on their way to cover the
    jobs that will want one a lead time from now (rules in the module docstring)."""

    name = "leadtime"
    keys = (WMSLAG, EMPTY_WALLCLOCK, DIED_WALLCLOCK, WINDOW, MAX_HORIZON, FORECAST, INITIAL)

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.cycle = queue.get(SLEEP)
        self.wmslag = queue.get(WMSLAG)
        self.empty_wc = queue.get(EMPTY_WALLCLOCK)
        self.died_wc = queue.get(DIED_WALLCLOCK)
        self.window: float = max(queue.get(WINDOW), 2 * self.empty_wc)
        self.max_horizon = queue.get(MAX_HORIZON)
        self.initial = queue.get(INITIAL)
        self.forecast = queue.get(FORECAST)

    def _fate(self, p: PilotTimes, now: float) -> str:
        return fate(p, now, self.empty_wc, self.died_wc)

    def _seen(self, h: QueueHistory, now: float, counted_at: float) -> _Seen:
        own = h.pilots
        waits = start_waits(own, now, now - HISTORY_SPAN)
        lead = waits.median if waits.median is not None else self.cycle
        usual = waits.started_median if waits.started_median is not None else self.cycle
        matured = sorted(
            (
                p
                for p in own
                if now - p.submitted_at > 2 * usual and not (p.started_at is None and p.ended_at)
            ),
            key=lambda p: p.submitted_at,
        )[-FULL_SITE_SAMPLE:]
        started = sum(1 for p in matured if p.started_at is not None)
        full = len(matured) >= FULL_SITE_SAMPLE // 2 and started < FULL_SITE_SHARE * len(matured)
        ended = sorted((p for p in own if p.ended_at is not None and p.ended_at >= now - 3600.0), key=_end)
        fates = [self._fate(p, now) for p in ended]
        outcomes = [
            self._fate(p, now) for p in own if p.started_at is not None and p.started_at >= now - OUTCOME_SPAN
        ]
        found, empty = outcomes.count(FOUND), outcomes.count(EMPTY)
        since, until = now - self.window, now - self.empty_wc
        all_found = own_found = 0
        for p in h.wms_pilots or own:
            if p.started_at is not None and since <= p.started_at <= until and self._fate(p, now) == FOUND:
                all_found += 1
        for p in own:
            if p.started_at is not None and since <= p.started_at <= until and self._fate(p, now) == FOUND:
                own_found += 1
        queues = max(1, h.share.queues)
        return _Seen(
            lead=lead,
            usual_wait=usual,
            full=full,
            died=fates.count(DIED),
            ended=len(fates),
            last_died=bool(fates) and fates[-1] == DIED,
            empty_share=empty / (found + empty) if found + empty >= 5 else 0.0,
            found_rate=all_found / (until - since),
            own_part=1.0 if queues == 1 else (own_found + 1.0) / (all_found + queues),
            started_since_count=sum(
                1 for p in (h.wms_pilots or own) if p.started_at is not None and p.started_at > counted_at
            ),
            recent_starts=sum(
                1 for p in own if p.started_at is not None and p.started_at >= now - max(lead, self.cycle)
            ),
        )

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        def done(out: int, *fields: tuple[str, object]) -> SchedResult:
            return SchedResult(out, message("leadtime", ("in", n), *fields, ("ret", out)))

        if snap.wms is None or snap.batch is None or snap.site is None:
            return done(0, ("comment", "no wms/batch/site info"))
        h = snap.history or QueueHistory()
        now, status = snap.now, snap.site.status
        activated, pending = snap.wms.ready, snap.batch.pending
        if status == "offline":
            return done(0, ("comment", "site offline"), ("pending", pending))
        taken_at = h.wms_taken_at if h.wms_taken_at is not None else now
        counted_at = taken_at - self.wmslag
        seen = self._seen(h, now, counted_at)
        if seen.ended >= 3 and 2 * seen.died >= seen.ended and seen.last_died:
            out = 1 if pending == 0 else 0
            return done(out, ("comment", "black hole, probing"), ("died", seen.died), ("ended", seen.ended))
        if status == "test":
            return done(1 if pending == 0 else 0, ("comment", "site in test"), ("pending", pending))
        if seen.full:
            return done(
                0, ("comment", "site not starting pilots"), ("pending", pending), ("lead", round(seen.lead))
            )
        growth = slope(h.samples, now - self.window) if status == "online" else None
        recent = slope(
            (*h.samples, CycleSample(now, activated, pending, snap.batch.running, 0)), now - 3.5 * self.cycle
        )
        drain = max(0.0, -(recent or 0.0)) * seen.lead
        demand = max(0.0, activated - seen.started_since_count)
        horizon = self.cycle / 2 + (now - counted_at) + min(seen.lead, self.max_horizon)
        rate = seen.found_rate + max(0.0, growth or 0.0) if status == "online" and self.forecast else 0.0
        e = seen.empty_share
        forecast = rate * horizon * max(0.0, 1.0 - e / EMPTY_STOP)
        trust = min(1.0, max(0.5, 1.0 - (e - EMPTY_OK) / EMPTY_SPAN))
        supply = h.share.pending if h.share.queues > 1 else pending
        shortfall = max(0.0, demand * trust + forecast - drain) - supply
        wanted = max(0, math.floor(shortfall * seen.own_part + 0.5))
        room = max(0, math.floor(max(self.initial, 2 * seen.recent_starts)) - pending)
        out = min(wanted, room)
        return done(
            out,
            ("activated", activated),
            ("started_since", seen.started_since_count),
            ("drain", round(drain, 1)),
            ("pending", supply),
            ("lead", round(seen.lead)),
            ("horizon", round(horizon)),
            ("rate_h", round(rate * 3600, 1)),
            ("empty", round(e, 3)),
            ("forecast", round(forecast, 1)),
            ("part", round(seen.own_part, 2)),
            ("wanted", wanted),
            ("room", room),
        )


def _end(p: PilotTimes) -> float:
    return p.ended_at if p.ended_at is not None else 0.0
