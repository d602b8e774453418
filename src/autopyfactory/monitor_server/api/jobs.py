"""``/api/jobs`` and ``/api/jobs/<factory>:<cid>``: registration, listing, state updates, history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BeforeValidator, Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

import autopyfactory.monitor_server.routing  # noqa: F401  (the anypath convertor)
from autopyfactory.apfmon.names import NameKind
from autopyfactory.monitor_server.api.batch import parse_batch
from autopyfactory.monitor_server.api.common import (
    ApiError,
    Payload,
    json_response,
    not_found,
    query_choice,
    query_int,
    read_body,
    read_form,
    text,
)
from autopyfactory.monitor_server.api.factory_writes import REGISTER_PILOTS, record_problems, register_pilots
from autopyfactory.monitor_server.api.serialize import job_json, job_summary_json
from autopyfactory.monitor_server.api.state_update import apply_state_update
from autopyfactory.monitor_server.db.tx import reading, writing
from autopyfactory.monitor_server.services import caller, services
from autopyfactory.monitor_server.states import parse_state
from autopyfactory.monitor_server.store.job_refusals import refusals
from autopyfactory.monitor_server.store.jobs import (
    ORDERS,
    JobFilter,
    JobInfo,
    delete_job,
    events,
    get_job,
    list_jobs,
)

router = APIRouter()
MAX_ITEMS = 5000


def _id_text(value: Any) -> Any:
    """A pilot id may come as a JSON number (Harvester sends a Slurm or HTCondor batch id as it
    has it): an integer is taken as its decimal text. Booleans and fractions are not ids."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


class JobIn(Payload):
    """A pilot (job) registration as the API takes it."""

    cid: Annotated[str, BeforeValidator(_id_text)] = Field(min_length=1, max_length=128)
    label: str = Field(min_length=1, max_length=128)
    factory: str = Field(min_length=1, max_length=64)
    stdouturl: str = Field(default="", max_length=512)
    stderrurl: str = Field(default="", max_length=512)
    logurl: str = Field(default="", max_length=512)
    jdlurl: str = Field(default="", max_length=512)


def _names(i: JobIn) -> list[tuple[NameKind, str]]:
    return [(NameKind.FACTORY, i.factory), (NameKind.LABEL, i.label), (NameKind.PILOT, i.cid)]


@router.get("/jobs")
def get_all(request: Request) -> Response:
    svc = services(request)
    raw_state = request.query_params.get("state") or None
    state = parse_state(raw_state) if raw_state else None
    if raw_state and state is None:
        raise ApiError(400, f"Invalid data: unknown state '{raw_state}'")
    f = JobFilter(
        factory=request.query_params.get("factory") or None,
        label=request.query_params.get("label") or None,
        state=state,
        offset=query_int(request, "offset", 0),
        limit=query_int(request, "limit", 50),
        order=query_choice(request, "order", "last_modified", ORDERS),
    )
    with reading(svc.engine) as conn:
        rows = list_jobs(conn, f)
    return json_response([job_summary_json(j) for j in rows])


@router.put("/jobs")
async def put(request: Request) -> Response:
    """Register pilots; an item with a bad shape or name is refused alone (400/422 when none is left).
    Every factory named must be registered (404) and the caller admitted for it (403)."""
    svc = services(request)
    batch = parse_batch(await read_body(request), JobIn, _names, lambda i: i.label, MAX_ITEMS, "jobs")
    who = caller(request)

    def work() -> Response:
        if batch.problems:
            record_problems(svc, who, batch.problems, REGISTER_PILOTS)
        if not batch.items:
            raise batch.all_refused()
        infos = [
            JobInfo(i.cid, i.label, i.factory, i.stdouturl, i.stderrurl, i.logurl, i.jdlurl)
            for i in batch.items
        ]
        res = register_pilots(svc, who, infos)
        total = res.total + len(batch.problems)
        reply = f"Created {res.created}/{total} job(s), {total - res.created} not created"
        if batch.problems:
            reply += f"; refused {len(batch.problems)}: {batch.summary()}"
        return text(reply, 201 if res.created else 200)

    return await run_in_threadpool(work)


@router.get("/jobs/{jid:anypath}")
def get_one(jid: str, request: Request) -> Response:
    svc = services(request)
    with reading(svc.engine) as conn:
        job = get_job(conn, jid)
        if job is None:
            raise not_found(request)
        evs = events(conn, job.id)
        refs = refusals(conn, job.id)
    return json_response(job_json(job, evs, refs))


@router.post("/jobs/{jid:anypath}")
async def post(jid: str, request: Request) -> Response:
    """A state update (multipart bodies; urlencoded ones are served by ``StateUpdateFastPath``)."""
    form = await read_form(request)
    reply = await apply_state_update(services(request), jid, form, caller(request))
    if reply.status == 200:
        return text(str(request.url))
    if reply.status == 404:
        raise not_found(request)
    raise ApiError(reply.status, reply.text)


@router.delete("/jobs/{jid:anypath}")
def remove(jid: str, request: Request) -> Response:
    svc = services(request)
    if not svc.auth.is_admin(caller(request)):
        raise ApiError(403, "Forbidden: deleting needs the admin token")
    with writing(svc.engine) as conn:
        job = get_job(conn, jid)
        if job is None:
            raise not_found(request)
        delete_job(conn, job.id)
    return text(f"Deleted job {jid}")
