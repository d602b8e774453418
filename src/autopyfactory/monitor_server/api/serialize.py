"""Records to the APFMon JSON shapes."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from autopyfactory.monitor_server.api.common import iso
from autopyfactory.monitor_server.queue_health import CycleWrite, QueueHealth
from autopyfactory.monitor_server.records import (
    Activity,
    Factory,
    Job,
    JobEvent,
    JobRefusal,
    Label,
    RefusedWrite,
    StateCounts,
)

ACTIVE_DAYS = 10


def factory_json(f: Factory, activity: Activity | None, now: float) -> dict[str, Any]:
    return {
        "id": f.id,
        "name": f.name,
        "email": f.email,
        "url": f.url,
        "version": f.version,
        "type": f.factory_type,
        "ip": f.ip,
        "previous_ip": f.previous_ip,
        "ip_changed": iso(f.ip_changed),
        "last_modified": iso(f.last_modified),
        "last_startup": iso(f.last_startup),
        "last_cycle": iso(f.last_cycle),
        "cycle_interval": f.cycle_interval,
        "status_dropped": f.status_dropped,
        "last_ncreated": f.last_ncreated,
        "active": now - f.last_modified < ACTIVE_DAYS * 86400,
        "activity": list(activity.created) if activity else [],
    }


def label_json(
    lab: Label,
    counts: StateCounts,
    activity: Activity | None,
    url: str,
    messages: list[str] | None = None,
    health: QueueHealth | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": lab.id,
        "name": lab.name,
        "factory": lab.factory,
        "prq": lab.batchqueue,
        "wmsqueue": lab.wmsqueue,
        "resource": lab.resource,
        "localqueue": lab.localqueue,
        "msg": lab.msg,
        "created": iso(lab.created),
        "last_modified": iso(lab.last_modified),
        "ncreated": counts.created,
        "nrunning": counts.running,
        "nexiting": counts.exiting,
        "ndone": counts.done,
        "nfault": counts.fault,
        "mortality": None if counts.mortality is None else round(counts.mortality, 1),
        "url": url,
        "activity": list(activity.created) if activity else [],
        "data": _data(lab.data),
    }
    if messages is not None:
        out["messages"] = messages
        out["status"] = None if health is None else health_json(health)
    return out


def health_json(h: QueueHealth) -> dict[str, Any]:
    """The factory's last report on a queue (``GET /labels/<factory>:<label>``, key ``status``)."""
    c = h.cycle or CycleWrite(cycled_at=0.0)
    return {
        "reported": iso(h.reported_at),
        "state": h.config_state,
        "state_reason": h.config_reason,
        "state_since": iso(h.config_since),
        "interval": h.cycle_interval,
        "last_cycle": iso(h.cycle.cycled_at if h.cycle else None),
        "cycles": h.cycles,
        "decision": c.decision,
        "action": c.action,
        "action_text": c.action_text,
        "reason": c.reason,
        "error": c.error,
        "chain": c.chain,
        "activated": c.activated,
        "pending": c.pending,
        "running": c.running,
        "site": c.site,
        "batch": None
        if c.batch_at is None
        else {
            "pending": c.batch_pending,
            "running": c.batch_running,
            "done": c.batch_done,
            "at": iso(c.batch_at),
        },
        "sources": [
            {
                "category": src.category,
                "plugin": src.plugin,
                "taken": iso(src.taken_at),
                "maxage": src.maxage,
                "error": src.error,
                "error_at": iso(src.error_at),
                "failing": src.failing,
            }
            for src in c.sources
        ],
    }


def _data(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def job_summary_json(j: Job) -> dict[str, Any]:
    return {
        "jid": j.jid,
        "state": j.state.value,
        "created": iso(j.created),
        "last_modified": iso(j.last_modified),
        "result": j.result,
        "flag": j.flag,
    }


def event_text(e: JobEvent) -> str:
    return f"{e.at:.3f} {e.source} {e.text}"


def refusal_text(r: JobRefusal) -> str:
    """APFMon's message format, ``<time> <address> <text>``; a repeated refusal says how often."""
    if r.count == 1:
        return f"{r.first_at:.3f} {r.source} {r.reason}"
    return f"{r.first_at:.3f} {r.source} {r.reason} (refused {r.count} times, last {iso(r.last_at)})"


def history(events: Sequence[JobEvent], refusals: Sequence[JobRefusal]) -> list[str]:
    """Events and refusals in time order (a refusal placed at its first time)."""
    rows = [(e.at, 0, i, event_text(e)) for i, e in enumerate(events)]
    rows += [(r.first_at, 1, i, refusal_text(r)) for i, r in enumerate(refusals)]
    return [t for *_, t in sorted(rows)]


def refused_write_json(r: RefusedWrite) -> dict[str, Any]:
    return {
        "factory": r.factory,
        "action": r.action,
        "subject": r.subject,
        "address": r.address,
        "status": r.status,
        "reason": r.reason,
        "fix": r.fix,
        "count": r.count,
        "first": iso(r.first_at),
        "last": iso(r.last_at),
    }


def job_json(j: Job, events: list[JobEvent], refusals: Sequence[JobRefusal] = ()) -> dict[str, Any]:
    return {
        **job_summary_json(j),
        "cid": j.cid,
        "label": j.label,
        "factory": j.factory,
        "stdouturl": j.stdouturl,
        "stderrurl": j.stderrurl,
        "logurl": j.logurl,
        "jdlurl": j.jdlurl,
        "messages": history(events, refusals),
    }
