"""Refusing a factory write: counted, logged with the fix and shown on the dashboard
(:mod:`autopyfactory.monitor_server.refusals`), answered with the reason and the fix."""

from __future__ import annotations

from autopyfactory.apfmon.names import ALLOWED, NameKind
from autopyfactory.monitor_server.api.common import ApiError
from autopyfactory.monitor_server.auth import Caller, Decision
from autopyfactory.monitor_server.refusals import Refusal
from autopyfactory.monitor_server.services import Services

_PREFIX = {400: "Invalid data", 403: "Forbidden", 404: "Not found", 422: "Invalid data"}

_NAME_FIX = {
    NameKind.FACTORY: f"change the factory's id (factoryId in autopyfactory.conf; Harvester: harvester_id) to {ALLOWED} only",
    NameKind.LABEL: (
        f"rename the queue (its section in the queues configuration) to {ALLOWED} only; "
        "autopyfactory check-config warns about queue names the monitor cannot take"
    ),
    NameKind.PILOT: "pilot ids are the batch system's job ids (e.g. 1234.0); one the monitor cannot take is not recorded",
}
SHAPE_FIX = "send each item as a JSON object with the documented keys and types (docs/monitor.md)"


def name_fix(kind: NameKind) -> str:
    return _NAME_FIX[kind]


def refused(svc: Services, who: Caller, r: Refusal) -> ApiError:
    """Record ``r`` and return the error to raise. Call it outside any write transaction."""
    svc.refusals.record(who.address, r)
    return ApiError(r.status, f"{_PREFIX.get(r.status, 'Refused')}: {r.reply()}")


def not_admitted(factory: str, action: str, d: Decision, subject: str = "") -> Refusal:
    return Refusal(factory, action, 403, d.reason, d.fix, subject)


def bad_name(kind: NameKind, factory: str, action: str, problem: str, subject: str = "") -> Refusal:
    return Refusal(factory, action, 422, problem, name_fix(kind), subject)


def unknown_factory(factory: str, action: str) -> Refusal:
    return Refusal(
        factory,
        action,
        404,
        f"factory '{factory}' is not registered",
        f"the factory registers itself when it starts (PUT /api/factories/{factory}); if that was "
        "refused, the refusal of 'register factory' says why; restart the factory once it is admitted",
    )
