"""Records to the APFMon JSON shapes."""

from __future__ import annotations

from typing import Any

from autopyfactory.monitor_server.api.common import iso
from autopyfactory.monitor_server.records import Activity, Factory, Job, JobEvent, Label, StateCounts

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
        "last_modified": iso(f.last_modified),
        "last_startup": iso(f.last_startup),
        "last_cycle": iso(f.last_cycle),
        "last_ncreated": f.last_ncreated,
        "active": now - f.last_modified < ACTIVE_DAYS * 86400,
        "activity": list(activity.created) if activity else [],
    }


def label_json(
    lab: Label, counts: StateCounts, activity: Activity | None, url: str, messages: list[str] | None = None
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
    }
    if messages is not None:
        out["messages"] = messages
    return out


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


def job_json(j: Job, events: list[JobEvent]) -> dict[str, Any]:
    return {
        **job_summary_json(j),
        "cid": j.cid,
        "label": j.label,
        "factory": j.factory,
        "stdouturl": j.stdouturl,
        "stderrurl": j.stderrurl,
        "logurl": j.logurl,
        "jdlurl": j.jdlurl,
        "messages": [event_text(e) for e in events],
    }
