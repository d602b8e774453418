"""The queues' status as the monitor's ``POST /factories/<id>/cycle`` takes it (docs/monitor.md).

Times go as ages (seconds before the request was made), so the two hosts' clocks need not agree;
texts are cut to the bounds the monitor keeps."""

from __future__ import annotations

from typing import Any

from autopyfactory.monitor.status_buffer import Held, Taken

CHAIN_MAX = 16384  # characters of a sched message chain (the monitor keeps as many)
TEXT_MAX = 2048  # a reason, an error


def _cut(text: str, limit: int = TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cycle_body(taken: Taken, now: float) -> dict[str, Any]:
    """The request body for the records of ``taken`` (``now``: monotonic time of the request)."""
    return {
        "cycle": taken.cycle,
        "interval": taken.interval,
        "dropped": taken.dropped,
        "queues": [queue_item(h, now) for h in taken.held],
    }


def queue_item(h: Held, now: float) -> dict[str, Any]:
    r = h.record
    item: dict[str, Any] = {
        "name": r.queue,
        "wmsqueue": r.wmsqueue,
        "batchqueue": r.section.raw("batchqueue") or "",
        "state": r.state.value,
        "state_reason": _cut(r.state_reason),
        "state_age": h.age(r.state_since, now),
        "interval": r.interval,
        "cycles": r.cycles,
    }
    if not r.cycled:
        return item
    item.update(
        cycle_age=h.age(r.cycled_at, now),
        action=r.action,
        action_text=_cut(r.action_text, 255),
        decision=r.decision,
        target=r.target,
        submitted=r.submitted,
        retired=r.retired,
        reason=_cut(r.reason),
        error=_cut(r.error),
        cap=_cut(r.cap, 255),
        chain=_cut(r.chain, CHAIN_MAX),
        activated=r.activated,
        pending=r.pending,
        running=r.running,
        site=r.site,
        batch=None
        if r.batch is None
        else {
            "pending": r.batch.pending,
            "running": r.batch.running,
            "suspended": r.batch.suspended,
            "done": r.batch.done,
            "age": h.age(r.batch_at, now),
        },
        sources=[
            {
                "category": s.category,
                "plugin": s.plugin,
                "age": h.age(s.taken_at, now),
                "maxage": s.maxage,
                "error": _cut(s.error),
                "error_age": h.age(s.error_at, now),
            }
            for s in r.sources
        ],
    )
    return item
