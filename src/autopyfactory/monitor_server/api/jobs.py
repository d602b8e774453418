"""``/api/jobs`` and ``/api/jobs/<factory>:<cid>``: registration, listing, state updates, history."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field, TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from autopyfactory.monitor_server.api.common import (
    ApiError,
    Payload,
    json_response,
    not_found,
    query_choice,
    query_int,
    read_form,
    read_json,
    text,
)
from autopyfactory.monitor_server.api.serialize import job_json, job_summary_json
from autopyfactory.monitor_server.api.state_update import apply_state_update
from autopyfactory.monitor_server.db.tx import reading, writing
from autopyfactory.monitor_server.services import caller, services
from autopyfactory.monitor_server.states import parse_state
from autopyfactory.monitor_server.store.factories import factory_addresses, get_factory, record_created
from autopyfactory.monitor_server.store.jobs import (
    ORDERS,
    JobFilter,
    JobInfo,
    create_jobs,
    delete_job,
    events,
    get_job,
    list_jobs,
)

router = APIRouter()
MAX_ITEMS = 5000


class JobIn(Payload):
    cid: str = Field(min_length=1, max_length=128, pattern=r"^[^:/\s]+$")
    label: str = Field(min_length=1, max_length=128)
    factory: str = Field(min_length=1, max_length=64)
    stdouturl: str = Field(default="", max_length=512)
    stderrurl: str = Field(default="", max_length=512)
    logurl: str = Field(default="", max_length=512)
    jdlurl: str = Field(default="", max_length=512)


_ADAPTER = TypeAdapter(list[JobIn])


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
    svc = services(request)
    items = await read_json(request, _ADAPTER)
    if len(items) > MAX_ITEMS:
        raise ApiError(400, f"Invalid data: at most {MAX_ITEMS} jobs per request")
    who = caller(request)

    def work() -> Response:
        names = sorted({i.factory for i in items})
        with reading(svc.engine) as conn:
            known = factory_addresses(conn, names)
        for name in names:
            if name not in known:
                raise ApiError(404, f"Factory not found: {name}")
            if not svc.auth.may_write(who, name):
                raise ApiError(403, f"Forbidden: {svc.auth.refusal(name)}")
        infos = [
            JobInfo(i.cid, i.label, i.factory, i.stdouturl, i.stderrurl, i.logurl, i.jdlurl) for i in items
        ]
        now = svc.clock.now()
        with writing(svc.engine) as conn:
            res = create_jobs(conn, infos, now)
            if len(names) == 1 and res.created:
                fac = get_factory(conn, names[0])
                if fac is not None:
                    record_created(conn, fac.id, res.created, now)
        return text(
            f"Created {res.created}/{res.total} job(s), {res.not_created} not created",
            201 if res.created else 200,
        )

    return await run_in_threadpool(work)


@router.get("/jobs/{jid}")
def get_one(jid: str, request: Request) -> Response:
    svc = services(request)
    with reading(svc.engine) as conn:
        job = get_job(conn, jid)
        if job is None:
            raise not_found(request)
        evs = events(conn, job.id)
    return json_response(job_json(job, evs))


@router.post("/jobs/{jid}")
async def post(jid: str, request: Request) -> Response:
    """A state update (multipart bodies; urlencoded ones are served by ``StateUpdateFastPath``)."""
    form = await read_form(request)
    reply = await apply_state_update(services(request), jid, form, caller(request))
    if reply.status == 200:
        return text(str(request.url))
    if reply.status == 404:
        raise not_found(request)
    raise ApiError(reply.status, reply.text)


@router.delete("/jobs/{jid}")
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
