"""``POST /api/factories/<factory>/cycle``: a factory's report on its queues after a cycle.

One request carries many queues (the factory's ``APF`` plugin sends every queue that cycled and
every queue that does not run, ``monitorShard`` a request). Each queue item is checked on its own
(a bad one is refused alone, as in ``PUT /labels``); times come as ages (seconds before the
request), which the monitor turns into its own times. Texts longer than the monitor keeps are cut,
not refused. The factory must be registered and the caller admitted for it."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import AfterValidator, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from autopyfactory.apfmon.names import NameKind, name_problem
from autopyfactory.monitor_server.api.batch import parse_items
from autopyfactory.monitor_server.api.common import ApiError, Payload, read_body, text
from autopyfactory.monitor_server.api.factory_writes import LABEL_STATUS, record_problems
from autopyfactory.monitor_server.api.refuse import bad_name, not_admitted, refused, unknown_factory
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.queue_health import CycleWrite, SourceHealth
from autopyfactory.monitor_server.refusals import Refusal
from autopyfactory.monitor_server.services import caller, services
from autopyfactory.monitor_server.store.factories import get_factory
from autopyfactory.monitor_server.store.label_status import (
    CHAIN_KEPT,
    TEXT_KEPT,
    FactoryCycle,
    StatusWrite,
    record_cycle_report,
)

router = APIRouter()
MAX_QUEUES = 1000
MAX_BODY = 16 << 20  # 1000 queues with every text at its longest


def _cutter(limit: int) -> Callable[[str], str]:
    return lambda v: v if len(v) <= limit else v[: limit - 1] + "…"


Text = Annotated[str, AfterValidator(_cutter(TEXT_KEPT))]
Short = Annotated[str, AfterValidator(_cutter(255))]
Chain = Annotated[str, AfterValidator(_cutter(CHAIN_KEPT))]
Age = Annotated[float | None, Field(default=None, ge=0, allow_inf_nan=False)]
Count = Annotated[int | None, Field(default=None, ge=0)]


class SourceIn(Payload):
    """One status source of a queue."""

    category: str = Field(max_length=32)
    plugin: str = Field(max_length=64)
    age: Age = None
    maxage: Age = None
    error: Text = ""
    error_age: Age = None


class BatchIn(Payload):
    """The queue's pilots in the factory's batch view."""

    pending: Count = None
    running: Count = None
    done: Count = None
    age: Age = None


class QueueIn(Payload):
    """One queue of a cycle report; the keys after ``cycles`` only when it cycled."""

    name: str = Field(min_length=1, max_length=128)
    wmsqueue: str = Field(default="", max_length=128)
    batchqueue: str = Field(default="", max_length=128)
    state: str | None = Field(default=None, max_length=32)
    state_reason: Text = ""
    state_age: Age = None
    interval: Age = None
    cycles: int = Field(default=0, ge=0)
    cycle_age: Age = None
    action: str = Field(default="", max_length=16)
    action_text: Short = ""
    decision: int | None = None
    target: int = 0
    reason: Text = ""
    error: Text = ""
    chain: Chain = ""
    activated: Count = None
    pending: Count = None
    running: Count = None
    site: str | None = Field(default=None, max_length=32)
    batch: BatchIn | None = None
    sources: list[SourceIn] = Field(default_factory=list, max_length=16)


class CycleIn(Payload):
    """The report's own keys (``queues`` is checked item by item)."""

    cycle: int | None = None
    interval: Age = None
    dropped: int = Field(default=0, ge=0)
    queues: list[Any] = Field(default_factory=list)


def _ago(now: float, age: float | None) -> float | None:
    return None if age is None else now - age


def status_write(q: QueueIn, now: float) -> StatusWrite:
    """A queue item in the monitor's times."""
    cycle = None
    if q.cycle_age is not None:
        b = q.batch
        cycle = CycleWrite(
            cycled_at=now - q.cycle_age,
            action=q.action,
            action_text=q.action_text,
            decision=q.decision,
            target=q.target,
            reason=q.reason,
            error=q.error,
            chain=q.chain,
            activated=q.activated,
            pending=q.pending,
            running=q.running,
            site=q.site,
            batch_pending=b.pending if b else None,
            batch_running=b.running if b else None,
            batch_done=b.done if b else None,
            batch_at=_ago(now, b.age) if b else None,
            sources=tuple(
                SourceHealth(
                    s.category, s.plugin, _ago(now, s.age), s.maxage, s.error, _ago(now, s.error_age)
                )
                for s in q.sources
            ),
        )
    return StatusWrite(
        name=q.name,
        wmsqueue=q.wmsqueue,
        batchqueue=q.batchqueue,
        config_state=q.state,
        config_reason=q.state_reason,
        config_since=_ago(now, q.state_age),
        cycle_interval=q.interval,
        cycles=q.cycles,
        cycle=cycle,
    )


def _parse(raw: bytes, factory: str) -> tuple[CycleIn, Any]:
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise ApiError(400, f"Invalid data: the body is not JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ApiError(
            400, f"Invalid data: expected a JSON object {{'queues': [...]}}, got {type(data).__name__}"
        )
    try:
        report = CycleIn.model_validate(data)
    except ValueError as exc:
        raise ApiError(400, f"Invalid data: {exc}") from None
    batch = parse_items(
        report.queues,
        QueueIn,
        lambda q: [(NameKind.LABEL, q.name)],
        lambda q: q.name,
        MAX_QUEUES,
        "queues",
        factory,
    )
    return report, batch


@router.post("/factories/{factory}/cycle")
async def post_cycle(factory: str, request: Request) -> Response:
    """Store each queue's status; the factory's last cycle is now."""
    svc = services(request)
    problem = name_problem(NameKind.FACTORY, factory)
    who = caller(request)
    if problem is not None:
        raise await run_in_threadpool(
            refused, svc, who, bad_name(NameKind.FACTORY, factory, LABEL_STATUS, problem)
        )
    report, batch = _parse(await read_body(request, MAX_BODY), factory)

    def work() -> Response:
        if batch.problems:
            record_problems(svc, who, batch.problems, LABEL_STATUS)
        now = svc.clock.now()
        refusal: Refusal | None = None
        with writing(svc.engine) as conn:
            d = svc.auth.decide(conn, who, factory)
            fac = get_factory(conn, factory) if d.allowed else None
            if not d.allowed:
                refusal = not_admitted(factory, LABEL_STATUS, d)
            elif fac is None:
                refusal = unknown_factory(factory, LABEL_STATUS)
            else:
                record_cycle_report(
                    conn,
                    fac.id,
                    [status_write(q, now) for q in batch.items],
                    FactoryCycle(report.interval, report.dropped),
                    now,
                    svc.settings.label_messages_kept,
                    svc.settings.activity_hours * 3600.0,
                )
        if refusal is not None:
            raise refused(svc, who, refusal)
        total = len(batch.items) + len(batch.problems)
        reply = f"Updated {len(batch.items)}/{total} queue(s)"
        if batch.problems:
            reply += f"; refused {len(batch.problems)}: {batch.summary()}"
        if not batch.items and batch.problems:
            raise batch.all_refused()
        return text(reply)

    return await run_in_threadpool(work)
