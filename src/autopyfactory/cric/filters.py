"""Which PanDA queues and CEs the factory serves (2.4's Agis filters, configurable)."""

from __future__ import annotations

from autopyfactory.cric.keys import CRICSettings
from autopyfactory.cric.model import CE, PandaQueue

EXCLUDED_FLAVOURS = ("lcg-ce",)


def queue_rejection(pq: PandaQueue, s: CRICSettings) -> str | None:
    """Why ``pq`` is not served (None: it is)."""
    checks = (
        ("resource_type", pq.resource_type, s.resourcetypes),
        ("site_state", pq.site_state, s.states),
        ("vo_name", pq.vo, s.vos),
        ("cloud", pq.cloud.lower(), s.clouds),
        ("type", pq.activity, s.activities),
        ("pilot_manager", pq.pilot_manager, s.pilotmanager),
    )
    for field, value, allowed in checks:
        if allowed and value not in allowed:
            return f"{field}={value or '(empty)'} is not one of {', '.join(allowed)}"
    return None


def ce_rejection(ce: CE, s: CRICSettings) -> str | None:
    if ce.flavour in EXCLUDED_FLAVOURS:
        return f"ce_flavour={ce.flavour} is not supported"
    if s.cestates and ce.state not in s.cestates:
        return f"ce_state={ce.state or '(empty)'}"
    if s.cestatuses and ce.status not in s.cestatuses:
        return f"ce_status={ce.status or '(empty)'}"
    if s.cestatuses and ce.queue_status and ce.queue_status not in s.cestatuses:
        return f"ce_queue_status={ce.queue_status}"
    if not ce.endpoint:
        return "no ce_endpoint"
    return None
