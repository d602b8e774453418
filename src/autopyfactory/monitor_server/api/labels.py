"""``/api/labels`` and ``/api/labels/<factory>:<label>``."""

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
    split_key,
    text,
)
from autopyfactory.monitor_server.api.serialize import label_json
from autopyfactory.monitor_server.db.tx import reading, writing
from autopyfactory.monitor_server.services import Services, caller, services
from autopyfactory.monitor_server.store.factories import record_cycle
from autopyfactory.monitor_server.store.labels import (
    ORDERS,
    LabelInfo,
    delete_label,
    get_label,
    list_labels,
    messages,
    post_status,
    register_labels,
)
from autopyfactory.monitor_server.store.stats import counts_by_label, created_activity

router = APIRouter()
MAX_ITEMS = 1000


class LabelIn(Payload):
    name: str = Field(min_length=1, max_length=128)
    factory: str = Field(min_length=1, max_length=64)
    wmsqueue: str = Field(default="", max_length=128)
    batchqueue: str = Field(default="", max_length=128)
    resource: str = Field(default="", max_length=255)
    localqueue: str = Field(default="", max_length=128)


_ADAPTER = TypeAdapter(list[LabelIn])


def _url(request: Request, factory: str, name: str) -> str:
    return str(request.url_for("label_one", key=f"{factory}:{name}"))


@router.get("/labels")
def get_all(request: Request) -> Response:
    svc = services(request)
    factory = request.query_params.get("factory") or None
    offset = query_int(request, "offset", 0)
    limit = query_int(request, "limit", 50)
    order = query_choice(request, "order", "name", ORDERS)
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        labs = list_labels(conn, factory, offset, limit, order)
        ids = [lab.id for lab in labs]
        counts = counts_by_label(conn, ids)
        act = created_activity(conn, "label", ids, now, svc.settings.activity_hours)
    return json_response(
        [label_json(lab, counts[lab.id], act[lab.id], _url(request, lab.factory, lab.name)) for lab in labs]
    )


@router.put("/labels")
async def put(request: Request) -> Response:
    svc = services(request)
    items = await read_json(request, _ADAPTER)
    if len(items) > MAX_ITEMS:
        raise ApiError(400, f"Invalid data: at most {MAX_ITEMS} labels per request")
    who = caller(request)

    def work() -> Response:
        for fac in sorted({i.factory for i in items}):
            if not svc.auth.may_write(who, fac):
                raise ApiError(403, f"Forbidden: {svc.auth.refusal(fac)}")
        infos = [
            LabelInfo(i.name, i.factory, i.wmsqueue, i.batchqueue, i.resource, i.localqueue) for i in items
        ]
        with writing(svc.engine) as conn:
            res = register_labels(conn, infos, svc.clock.now())
        return text(
            f"Created {res.created}/{res.total} label(s), {res.updated} updated", 201 if res.created else 200
        )

    return await run_in_threadpool(work)


def _label_or_404(svc: Services, request: Request, key: str):  # type: ignore[no-untyped-def]
    factory, name = split_key(key, "label")
    with reading(svc.engine) as conn:
        lab = get_label(conn, factory, name)
    if lab is None:
        raise not_found(request)
    return lab


@router.get("/labels/{key}", name="label_one")
def get_one(key: str, request: Request) -> Response:
    svc = services(request)
    lab = _label_or_404(svc, request, key)
    with reading(svc.engine) as conn:
        counts = counts_by_label(conn, [lab.id])[lab.id]
        act = created_activity(conn, "label", [lab.id], svc.clock.now(), svc.settings.activity_hours)[lab.id]
        msgs = [m.text for m in messages(conn, lab.id)]
    return json_response(label_json(lab, counts, act, _url(request, lab.factory, lab.name), msgs))


@router.post("/labels/{key}")
async def post(key: str, request: Request) -> Response:
    svc = services(request)
    form = await read_form(request)
    if "status" not in form:
        raise ApiError(400, f"Invalid data: expected a form field 'status', got {sorted(form)}")
    who = caller(request)

    def work() -> Response:
        factory, _ = split_key(key, "label")
        if not svc.auth.may_write(who, factory):
            raise ApiError(403, f"Forbidden: {svc.auth.refusal(factory)}")
        lab = _label_or_404(svc, request, key)
        now = svc.clock.now()
        with writing(svc.engine) as conn:
            post_status(conn, lab, form["status"], now, svc.settings.label_messages_kept)
            record_cycle(conn, lab.factory_id, now)
        return text(_url(request, lab.factory, lab.name))

    return await run_in_threadpool(work)


@router.delete("/labels/{key}")
def remove(key: str, request: Request) -> Response:
    svc = services(request)
    if not svc.auth.is_admin(caller(request)):
        raise ApiError(403, "Forbidden: deleting needs the admin token")
    lab = _label_or_404(svc, request, key)
    with writing(svc.engine) as conn:
        delete_label(conn, lab.id)
    return text(f"Deleted label {lab.factory}:{lab.name}")
