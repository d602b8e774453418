"""``/api/labels`` and ``/api/labels/<factory>:<label>``."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

import autopyfactory.monitor_server.routing  # noqa: F401  (the anypath convertor)
from autopyfactory.apfmon.names import NameKind
from autopyfactory.monitor_server.api.batch import parse_batch
from autopyfactory.monitor_server.api.common import (
    ApiError,
    Payload,
    form_from_bytes,
    json_response,
    not_found,
    query_choice,
    query_int,
    read_body,
    split_key,
    text,
)
from autopyfactory.monitor_server.api.factory_writes import (
    REGISTER_LABELS,
    label_status,
    record_problems,
)
from autopyfactory.monitor_server.api.refuse import not_admitted, refused
from autopyfactory.monitor_server.api.serialize import label_json
from autopyfactory.monitor_server.db.tx import reading, writing
from autopyfactory.monitor_server.records import Label
from autopyfactory.monitor_server.refusals import Refusal
from autopyfactory.monitor_server.services import Services, caller, services
from autopyfactory.monitor_server.store.label_status import health_of
from autopyfactory.monitor_server.store.labels import (
    ORDERS,
    LabelInfo,
    delete_label,
    get_label,
    list_labels,
    messages,
    register_labels,
)
from autopyfactory.monitor_server.store.stats import counts_by_label, created_activity
from autopyfactory.monitor_server.web.links import label_api_url

router = APIRouter()
MAX_ITEMS = 1000
DATA_MAX = 64 * 1024  # characters of the JSON "data" sent with a status


class LabelIn(Payload):
    """A label (queue) registration as the API takes it."""

    name: str = Field(min_length=1, max_length=128)
    factory: str = Field(min_length=1, max_length=64)
    wmsqueue: str = Field(default="", max_length=128)
    batchqueue: str = Field(default="", max_length=128)
    resource: str = Field(default="", max_length=255)
    localqueue: str = Field(default="", max_length=128)


def _names(i: LabelIn) -> list[tuple[NameKind, str]]:
    return [(NameKind.FACTORY, i.factory), (NameKind.LABEL, i.name)]


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
        [
            label_json(lab, counts[lab.id], act[lab.id], label_api_url(request, lab.factory, lab.name))
            for lab in labs
        ]
    )


@router.put("/labels")
async def put(request: Request) -> Response:
    """Register or update labels; an item with a bad shape or name is refused alone (422 when none
    is left)."""
    svc = services(request)
    batch = parse_batch(
        await read_body(request), LabelIn, _names, lambda i: i.name, MAX_ITEMS, "labels"
    )  # fmt: skip
    who = caller(request)

    def work() -> Response:
        if batch.problems:
            record_problems(svc, who, batch.problems, REGISTER_LABELS)
        if not batch.items:
            raise batch.all_refused()
        infos = [
            LabelInfo(i.name, i.factory, i.wmsqueue, i.batchqueue, i.resource, i.localqueue)
            for i in batch.items
        ]
        refusal: Refusal | None = None
        with writing(svc.engine) as conn:
            for fac in sorted({i.factory for i in infos}):
                d = svc.auth.decide(conn, who, fac)
                if not d.allowed:
                    refusal = not_admitted(fac, REGISTER_LABELS, d)
                    break
            if refusal is None:
                res = register_labels(conn, infos, svc.clock.now())
        if refusal is not None:
            raise refused(svc, who, refusal)
        total = res.total + len(batch.problems)
        reply = f"Created {res.created}/{total} label(s), {res.updated} updated"
        if batch.problems:
            reply += f"; refused {len(batch.problems)}: {batch.summary()}"
        return text(reply, 201 if res.created else 200)

    return await run_in_threadpool(work)


def _label_or_404(svc: Services, request: Request, key: str) -> Label:
    factory, name = split_key(key, "label")
    with reading(svc.engine) as conn:
        lab = get_label(conn, factory, name)
    if lab is None:
        raise not_found(request)
    return lab


@router.get("/labels/{key:anypath}", name="label_one")
def get_one(key: str, request: Request) -> Response:
    svc = services(request)
    lab = _label_or_404(svc, request, key)
    with reading(svc.engine) as conn:
        counts = counts_by_label(conn, [lab.id])[lab.id]
        act = created_activity(conn, "label", [lab.id], svc.clock.now(), svc.settings.activity_hours)[lab.id]
        msgs = [m.text for m in messages(conn, lab.id)]
        health = health_of(conn, [lab.id]).get(lab.id)
    url = label_api_url(request, lab.factory, lab.name)
    return json_response(label_json(lab, counts, act, url, msgs, health))


def status_body(raw: bytes, content_type: str) -> tuple[str, str | None]:
    """(status, data as JSON text or None) from a form (``status=...``, APF) or a JSON object
    (``{"status": ..., "data": {...}}``, Harvester, which sends no content type)."""
    if content_type.startswith("application/json") or raw.lstrip()[:1] == b"{":
        try:
            body = json.loads(raw)
        except (UnicodeDecodeError, ValueError) as exc:
            raise ApiError(400, f"Invalid data: the body is not JSON ({exc})") from None
        if not isinstance(body, dict) or "status" not in body:
            raise ApiError(400, 'Invalid data: expected a JSON object {"status": ..., "data": {...}}')
        return _status_text(body["status"]), _data_text(body.get("data"))
    form = form_from_bytes(raw)
    if "status" not in form:
        raise ApiError(400, f"Invalid data: expected a form field 'status', got {sorted(form)}")
    return form["status"], None


def _status_text(value: Any) -> str:
    if not isinstance(value, str):
        raise ApiError(400, f"Invalid data: 'status' needs to be a string, got {type(value).__name__}")
    return value


def _data_text(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ApiError(400, f"Invalid data: 'data' needs to be a JSON object, got {type(value).__name__}")
    out = json.dumps(value, sort_keys=True)
    if len(out) > DATA_MAX:
        raise ApiError(400, f"Invalid data: 'data' has {len(out)} characters, more than {DATA_MAX}")
    return out


@router.post("/labels/{key:anypath}")
async def post(key: str, request: Request) -> Response:
    """A queue's status message: form ``status=`` (APF) or JSON ``{"status", "data"}`` (Harvester)."""
    svc = services(request)
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
        if "status" not in form:
            raise ApiError(400, f"Invalid data: expected a form field 'status', got {sorted(form)}")
        status, data = form["status"], None
    else:
        status, data = status_body(await read_body(request), request.headers.get("content-type", ""))
    factory, name = split_key(key, "label")
    who = caller(request)

    def work() -> Response:
        label_status(svc, who, factory, name, status, data)
        return text(label_api_url(request, factory, name))

    return await run_in_threadpool(work)


@router.delete("/labels/{key:anypath}")
def remove(key: str, request: Request) -> Response:
    svc = services(request)
    if not svc.auth.is_admin(caller(request)):
        raise ApiError(403, "Forbidden: deleting needs the admin token")
    lab = _label_or_404(svc, request, key)
    with writing(svc.engine) as conn:
        delete_label(conn, lab.id)
    return text(f"Deleted label {lab.factory}:{lab.name}")
