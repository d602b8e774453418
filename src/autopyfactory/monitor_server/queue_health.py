"""A queue's health as its factory last reported it, and the rule that says when a report is stale.

Times are the monitor's: the factory sends ages, which the monitor turns into times when the
report arrives (so the two hosts' clocks need not agree)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

RUNNING = "running"
KEPT_LAST_GOOD = "kept-last-good"
DISABLED = "disabled-by-config"
NOT_STARTED = "not-started"
STATE_TITLES = {
    RUNNING: "running",
    KEPT_LAST_GOOD: "on its last good configuration",
    DISABLED: "disabled by its configuration",
    NOT_STARTED: "not started: its configuration is broken",
}


@dataclass(frozen=True, slots=True)
class StaleRule:
    """A factory's (or a queue's) last report is stale when it is older than ``cycles`` of its
    cycle (``default_cycle`` when it does not say its cycle: APF 2.4, Harvester; a cycle of 0 is one
    that starts again at once), and ``floor`` seconds at least (a cycle that takes a little longer is not yet a stopped factory)."""

    cycles: float = 3.0
    default_cycle: float = 360.0
    floor: float = 60.0

    def limit(self, interval: float | None) -> float:
        cycle = interval if interval is not None and interval >= 0 else self.default_cycle
        return max(self.floor, self.cycles * cycle)

    def stale(self, last: float | None, interval: float | None, now: float) -> bool:
        return last is None or now - last > self.limit(interval)


@dataclass(frozen=True, slots=True)
class SourceHealth:
    """One status source of a queue: the time of its newest data, the age beyond which the factory
    counts it as missing, and its last poll error (with when it was seen)."""

    category: str
    plugin: str
    taken_at: float | None
    maxage: float | None
    error: str = ""
    error_at: float | None = None

    def age(self, now: float) -> float | None:
        return None if self.taken_at is None else max(0.0, now - self.taken_at)

    def stale(self, now: float) -> bool:
        """Its data is older than its maxage (or there is none): the queue decides without it."""
        age = self.age(now)
        return age is None or (self.maxage is not None and age > self.maxage)

    @property
    def failing(self) -> bool:
        """Its last poll failed and no newer data came since."""
        return bool(self.error) and (
            self.taken_at is None or (self.error_at is not None and self.error_at >= self.taken_at)
        )

    @property
    def is_wms(self) -> bool:
        return self.category == "wmsstatus"

    def as_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "plugin": self.plugin,
            "taken_at": self.taken_at,
            "maxage": self.maxage,
            "error": self.error,
            "error_at": self.error_at,
        }


def sources_to_text(sources: tuple[SourceHealth, ...]) -> str:
    return json.dumps([s.as_json() for s in sources], sort_keys=True)


def sources_from_text(text: str | None) -> tuple[SourceHealth, ...]:
    """The stored sources; nothing for a missing or damaged value (a page must never fail on it)."""
    if not text:
        return ()
    try:
        items = json.loads(text)
    except ValueError:
        return ()
    out: list[SourceHealth] = []
    for it in items if isinstance(items, list) else ():
        if not isinstance(it, dict):
            continue
        out.append(
            SourceHealth(
                str(it.get("category", "")),
                str(it.get("plugin", "")),
                _num(it.get("taken_at")),
                _num(it.get("maxage")),
                str(it.get("error") or ""),
                _num(it.get("error_at")),
            )
        )
    return tuple(out)


def _num(v: object) -> float | None:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


@dataclass(frozen=True, slots=True)
class CycleWrite:
    """What a queue's last cycle was, in the monitor's times. ``batch_*``: the queue's pilots in the
    factory's batch view (the batch system's word, beside what the wrappers reported)."""

    cycled_at: float
    action: str = ""
    action_text: str = ""
    decision: int | None = None
    target: int = 0
    reason: str = ""
    error: str = ""
    chain: str = ""
    activated: int | None = None
    pending: int | None = None
    running: int | None = None
    site: str | None = None
    batch_pending: int | None = None
    batch_running: int | None = None
    batch_done: int | None = None
    batch_at: float | None = None
    sources: tuple[SourceHealth, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueReport:
    """What a factory says of one queue: its configuration state and its last cycle (``cycle`` None:
    it has not cycled). ``config_state`` None: the factory does not say (APF 2.4, Harvester post the
    message chain only, which is their cycle)."""

    config_state: str | None = None
    config_reason: str = ""
    config_since: float | None = None
    cycle_interval: float | None = None
    cycles: int = 0
    cycle: CycleWrite | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueHealth(QueueReport):
    """The factory's last report on one queue (a label), as the monitor keeps it."""

    label_id: int
    reported_at: float

    @property
    def runs(self) -> bool:
        """It takes part in its factory's cycles (or the factory does not say otherwise)."""
        return self.config_state in (None, RUNNING, KEPT_LAST_GOOD)

    @property
    def flagged(self) -> bool:
        """Its configuration needs the operator: kept on the last good one, disabled, not started."""
        return self.config_state in (KEPT_LAST_GOOD, DISABLED, NOT_STARTED)

    @property
    def state_title(self) -> str:
        return STATE_TITLES.get(self.config_state or "", self.config_state or "")

    @property
    def steps(self) -> list[str]:
        """The chain's steps, one per sched plugin that said something."""
        return [s for s in self.cycle.chain.split(";") if s] if self.cycle else []

    @property
    def wms(self) -> tuple[SourceHealth, ...]:
        return tuple(s for s in self.cycle.sources if s.is_wms) if self.cycle else ()

    def wms_stale(self, now: float) -> bool:
        """A WMS source's data is too old to decide on, or its last poll failed."""
        return any(s.stale(now) or s.failing for s in self.wms)

    def cycle_stale(self, rule: StaleRule, now: float) -> bool:
        """It should have cycled again by now (it runs, and its last cycle is older than the rule)."""
        return (
            self.runs
            and self.cycle is not None
            and rule.stale(self.cycle.cycled_at, self.cycle_interval, now)
        )


@dataclass(frozen=True, slots=True)
class QueueSample:
    """A queue's activated jobs and pending and running pilots at one time, as its factory saw them."""

    at: float
    activated: int | None
    pending: int | None
    running: int | None
