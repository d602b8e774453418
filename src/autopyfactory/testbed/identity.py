"""Who is asking: telling pilots apart from what they send.

The testbed's reference pilot sends ``pilot_id`` (a testbed extension). Harvester's pilots send
``harvester_id`` and ``worker_id``. A real PanDA pilot sends neither with getJob, only ``node`` and
``computingElement``; its updateJob carries ``pilotID`` (``<GTAG>|<batch type>|<tag>|<version>``,
GTAG being the pilot's log URL the factory sets, unique per pilot), ``batchID`` and
``schedulerID``. So the testbed attributes an anonymous request to a pilot on the same node and
site that is between jobs (no job in flight, heard from within ``ANONYMOUS_GAP`` seconds), or
counts a new pilot; once an update names the pilot, its records are merged under that name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ANONYMOUS_GAP = 180.0  # a real pilot retries getJob after 60 s; a finished job is followed at once
_NO_ID = ("", "unknown", "null", "none")


@dataclass(frozen=True, slots=True)
class Asker:
    """A getJob's sender: ``key`` when it names itself, else only where it runs."""

    key: str
    node: str

    @property
    def anonymous(self) -> bool:
        return not self.key


def asker_of(params: dict[str, Any]) -> Asker:
    node = str(params.get("node") or "")
    explicit = str(params.get("pilot_id") or "")
    if explicit:
        return Asker(explicit, node)
    hid = str(params.get("harvester_id") or "")
    wid = str(params.get("worker_id") or "")
    if hid and wid:
        return Asker(f"harvester:{hid}:{wid}", node)
    return Asker("", node)


def reported_identity(params: dict[str, Any], *, v1: bool) -> str:
    """The pilot's name in an updateJob, or "" when it gives none: ``pilot_id`` (the testbed's
    pilots), else the GTAG part of ``pilotID``, else ``batchID`` within ``schedulerID``."""
    pilot_id = str(params.get("pilot_id" if v1 else "pilotID") or "").strip()
    first = pilot_id.split("|", 1)[0].strip()
    if first.lower() not in _NO_ID:
        return first
    batch = str(params.get("batch_id" if v1 else "batchID") or "").strip()
    scheduler = str(params.get("scheduler_id" if v1 else "schedulerID") or "").strip()
    if batch and batch.lower() not in _NO_ID:
        return f"{scheduler or 'batch'}:{batch}"
    return ""
