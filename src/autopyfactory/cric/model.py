"""PanDA queues and their CEs as the CRIC pandaqueue JSON describes them (only what the plugin uses)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class CE:
    """A computing element of a PanDA queue, as CRIC describes it."""

    name: str
    endpoint: str  # host[:port]
    flavour: str
    state: str
    status: str
    queue_status: str
    queue_name: str
    jobmanager: str
    version: str
    maxwctime: int | None

    @property
    def host(self) -> str:
        hostport = self.endpoint.split("://", 1)[-1].split("/", 1)[0]
        return hostport.rsplit(":", 1)[0] if ":" in hostport else hostport


@dataclass(frozen=True, slots=True)
class PandaQueue:
    """A PanDA queue as CRIC describes it, with its computing elements."""

    nickname: str
    panda_resource: str
    cloud: str
    status: str
    site_state: str
    resource_type: str
    activity: str  # CRIC 'type'
    vo: str
    pilot_manager: str
    corecount: int
    maxrss: int | None
    maxmemory: int | None
    maxtime: int | None
    ces: tuple[CE, ...]


def _s(d: Mapping[str, Any], key: str) -> str:
    v = d.get(key)
    return "" if v is None else str(v).strip()


def _int(d: Mapping[str, Any], key: str) -> int | None:
    v = d.get(key)
    if v is None or v == "":
        return None
    try:
        return int(float(v))
    except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 in the JSON is infinity
        return None


def parse_ce(d: Mapping[str, Any]) -> CE:
    return CE(
        name=_s(d, "ce_name"),
        endpoint=_s(d, "ce_endpoint"),
        flavour=_s(d, "ce_flavour").lower(),
        state=_s(d, "ce_state").lower(),
        status=_s(d, "ce_status").lower(),
        queue_status=_s(d, "ce_queue_status").lower(),
        queue_name=_s(d, "ce_queue_name"),
        jobmanager=_s(d, "ce_jobmanager"),
        version=_s(d, "ce_version"),
        maxwctime=_int(d, "ce_queue_maxwctime"),
    )


def parse_queue(key: str, d: Mapping[str, Any]) -> PandaQueue:
    """One pandaqueue entry; missing fields become empty/None (the filters then decide)."""
    ces = d.get("queues")
    return PandaQueue(
        nickname=_s(d, "nickname") or key,
        panda_resource=_s(d, "panda_resource") or _s(d, "nickname") or key,
        cloud=_s(d, "cloud"),
        status=_s(d, "status").lower(),
        site_state=_s(d, "site_state").lower(),
        resource_type=_s(d, "resource_type").lower(),
        activity=_s(d, "type").lower(),
        vo=_s(d, "vo_name").lower(),
        pilot_manager=_s(d, "pilot_manager").lower(),
        corecount=_int(d, "corecount") or 1,
        maxrss=_int(d, "maxrss"),
        maxmemory=_int(d, "maxmemory"),
        maxtime=_int(d, "maxtime"),
        ces=tuple(parse_ce(c) for c in ces if isinstance(c, Mapping)) if isinstance(ces, list) else (),
    )


def parse_document(doc: Any) -> dict[str, PandaQueue]:
    """The whole document: an object keyed by PanDA queue name (or a list of pandaqueue objects)."""
    if isinstance(doc, list):
        doc = {_s(e, "nickname") or _s(e, "panda_resource"): e for e in doc if isinstance(e, Mapping)}
    if not isinstance(doc, Mapping):
        raise ValueError(f"expected a JSON object keyed by PanDA queue name, got {type(doc).__name__}")
    return {str(k): parse_queue(str(k), v) for k, v in doc.items() if isinstance(v, Mapping) and k}
