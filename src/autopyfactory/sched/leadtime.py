"""leadtime: order-up-to provisioning with the lead time the queue observes (draft v1)."""

from __future__ import annotations

import math

from autopyfactory.config.keys import NONNEG_FLOAT, Key
from autopyfactory.config.queue import SLEEP
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.history import QueueHistory
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message
from autopyfactory.sched.observed import DIED, EMPTY, FOUND, fate, slope, start_waits

P = "sched.leadtime."
WMSLAG = Key(P + "wmslag", NONNEG_FLOAT, 120.0, "how old the WMS counts are when polled (PanDA: 2 min)")
EMPTY_WALLCLOCK = Key(
    P + "emptywallclock", NONNEG_FLOAT, 300.0, "a pilot that ran less than this found no job"
)
DIED_WALLCLOCK = Key(P + "diedwallclock", NONNEG_FLOAT, 30.0, "a pilot that ran less than this died")
WINDOW = Key(P + "window", NONNEG_FLOAT, 3600.0, "how far back rates are measured")
INITIAL = Key(P + "initial", NONNEG_FLOAT, 100.0, "pending pilots before the site has shown it starts them")
TRENDF = Key(P + "trend", NONNEG_FLOAT, 1.0, "x")
GROWTH = Key(P + "growth", NONNEG_FLOAT, 2.0, "x")
SATUR = Key(P + "satur", NONNEG_FLOAT, 1.0, "x")
DELAYF = Key(P + "delayf", NONNEG_FLOAT, 1.0, "x")
LEADF = Key(P + "leadf", NONNEG_FLOAT, 1.0, "x")
KAPPA = Key(P + "kappa", NONNEG_FLOAT, 0.0, "x")
FH = Key(P + "fh", NONNEG_FLOAT, 0.0, "x")


class LeadTime(SchedPlugin):
    name = "leadtime"
    keys = (
        WMSLAG,
        EMPTY_WALLCLOCK,
        DIED_WALLCLOCK,
        WINDOW,
        INITIAL,
        TRENDF,
        GROWTH,
        SATUR,
        DELAYF,
        LEADF,
        KAPPA,
        FH,
    )

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        self.cycle = float(queue.get(SLEEP))
        self.wmslag: float = queue.get(WMSLAG)
        self.empty_wc: float = queue.get(EMPTY_WALLCLOCK)
        self.died_wc: float = queue.get(DIED_WALLCLOCK)
        self.window: float = queue.get(WINDOW)
        self.initial: float = queue.get(INITIAL)
        self.trendf: float = queue.get(TRENDF)
        self.growth: float = queue.get(GROWTH)
        self.satur: float = queue.get(SATUR)
        self.delayf: float = queue.get(DELAYF)
        self.leadf: float = queue.get(LEADF)
        self.kappa: float = queue.get(KAPPA)
        self.fh: float = queue.get(FH)

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        def done(out: int, *fields: tuple[str, object]) -> SchedResult:
            return SchedResult(out, message("leadtime", *fields, ("ret", out)))

        if snap.wms is None or snap.batch is None or snap.site is None:
            return done(0, ("comment", "no wms/batch/site info"))
        h = snap.history or QueueHistory()
        now, status = snap.now, snap.site.status
        activated, pending, running = snap.wms.ready, snap.batch.pending, snap.batch.running
        if status == "offline":
            return done(0, ("comment", "site offline"), ("pending", pending))
        own = h.pilots
        allp = h.wms_pilots or own
        queues = max(1, h.share.queues)
        since = now - self.window
        ended = sorted(
            (p for p in own if p.ended_at is not None and p.ended_at >= since), key=lambda p: p.ended_at or 0
        )
        fates = [fate(p, now, self.empty_wc, self.died_wc) for p in ended]
        died = fates.count(DIED)
        if len(fates) >= 3 and 2 * died >= len(fates) and fates[-1] == DIED:
            out = 1 if pending == 0 else 0
            return done(out, ("comment", "black hole: probing"), ("died", died), ("ended", len(fates)))
        if status == "test":
            out = 1 if pending == 0 else 0
            return done(out, ("comment", "site in test"), ("pending", pending))
        waits = start_waits(own, now, now - 6 * 3600)
        lead = waits.median if waits.median is not None else self.cycle
        lead_ref = waits.started_median if waits.started_median is not None else self.cycle
        matured = sorted(
            (
                p
                for p in own
                if now - p.submitted_at > 2 * lead_ref
                and not (p.started_at is None and p.ended_at is not None)
            ),
            key=lambda p: p.submitted_at,
        )[-10:]
        started_recent = sum(1 for p in matured if p.started_at is not None)
        saturated = self.satur > 0 and len(matured) >= 5 and started_recent < 0.3 * len(matured)
        taken_at = h.wms_taken_at if h.wms_taken_at is not None else now
        counted_at = taken_at - self.wmslag
        started_since = sum(1 for p in allp if p.started_at is not None and p.started_at > counted_at)
        demand = max(0, activated - started_since)
        trend = slope(h.samples, since) if status == "online" else None
        delay = self.delayf * self.cycle / 2 + (now - counted_at)
        horizon = self.leadf * lead + delay
        grow = max(0.0, trend or 0.0) * horizon * self.trendf
        supply = h.share.pending if queues > 1 else pending
        found = sum(
            1
            for p in allp
            if p.started_at is not None
            and since <= p.started_at <= now - self.empty_wc
            and fate(p, now, self.empty_wc, self.died_wc) == FOUND
        )
        rate = found / max(1.0, self.window - self.empty_wc) / queues
        outcomes = [
            fate(p, now, self.empty_wc, self.died_wc)
            for p in own
            if p.started_at is not None and p.started_at >= now - 7200
        ]
        n_found, n_empty = outcomes.count(FOUND), outcomes.count(EMPTY)
        e = n_empty / (n_found + n_empty) if n_found + n_empty >= 5 else 0.0
        backoff = max(0.0, 1.0 - e / 0.1)
        fore = (
            self.kappa * backoff * rate * (delay + self.fh * min(lead, 3600.0)) if status == "online" else 0.0
        )
        if queues > 1:
            own_found = sum(
                1
                for p in own
                if p.started_at is not None
                and since <= p.started_at <= now - self.empty_wc
                and fate(p, now, self.empty_wc, self.died_wc) == FOUND
            )
            part = (own_found + 1.0) / (found + queues)
        else:
            part = 1.0
        deficit = (demand + grow - supply) * part + fore * (1.0 if queues == 1 else part * queues)
        out = max(0, math.floor(deficit + 0.5))
        starts = sum(
            1 for p in own if p.started_at is not None and p.started_at >= now - max(lead, self.cycle)
        )
        allow = max(self.initial, self.growth * starts)
        cap = max(0, math.floor(allow) - pending)
        if saturated:
            out = 0
        out = min(out, cap)
        return done(
            out,
            ("activated", activated),
            ("started_since", started_since),
            ("pending", supply),
            ("trend_h", round((trend or 0) * 3600, 1)),
            ("lead", round(lead)),
            ("horizon", round(horizon)),
            ("saturated", saturated),
            ("cap", cap),
        )
