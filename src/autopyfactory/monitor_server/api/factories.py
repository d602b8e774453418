"""``/api/factories`` and ``/api/factories/<name>``."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import Field, TypeAdapter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

import autopyfactory.monitor_server.routing  # noqa: F401  (the anypath convertor)
from autopyfactory.monitor_server.api.common import (
    ApiError,
    Payload,
    json_response,
    not_found,
    read_json,
    text,
)
from autopyfactory.monitor_server.api.factory_writes import register
from autopyfactory.monitor_server.api.serialize import factory_json
from autopyfactory.monitor_server.db.tx import reading, writing
from autopyfactory.monitor_server.services import caller, services
from autopyfactory.monitor_server.store.factories import (
    FactoryInfo,
    delete_factory,
    get_factory,
    list_factories,
)
from autopyfactory.monitor_server.store.stats import created_activity

router = APIRouter()


class FactoryIn(Payload):
    """A factory registration as the API takes it."""

    version: str = Field(default="", max_length=64)
    email: str = Field(default="", max_length=255)
    url: str = Field(default="", max_length=255)
    type: str = Field(default="AutoPyFactory", max_length=32)


_ADAPTER = TypeAdapter(FactoryIn)


@router.get("/factories")
def get_all(request: Request) -> Response:
    svc = services(request)
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        facs = list_factories(conn)
        act = created_activity(conn, "factory", [f.id for f in facs], now, svc.settings.activity_hours)
    return json_response([factory_json(f, act.get(f.id), now) for f in facs])


@router.get("/factories/{name:anypath}")
def get_one(name: str, request: Request) -> Response:
    svc = services(request)
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        f = get_factory(conn, name)
        if f is None:
            raise not_found(request)
        act = created_activity(conn, "factory", [f.id], now, svc.settings.activity_hours)
    return json_response(factory_json(f, act[f.id], now))


@router.put("/factories/{name:anypath}")
async def put(name: str, request: Request) -> Response:
    """Register or update (APF 2.4 sends its JSON with a form content type; any is accepted)."""
    svc = services(request)
    data = await read_json(request, _ADAPTER)
    who = caller(request)
    info = FactoryInfo(data.version, data.email, data.url, data.type or "AutoPyFactory")

    def work() -> Response:
        fac, created = register(svc, who, name, info)
        return json_response([factory_json(fac, None, svc.clock.now())], 201 if created else 200)

    return await run_in_threadpool(work)


@router.delete("/factories/{name:anypath}")
def remove(name: str, request: Request) -> Response:
    svc = services(request)
    if not svc.auth.is_admin(caller(request)):
        raise ApiError(403, "Forbidden: deleting needs the admin token")
    with writing(svc.engine) as conn:
        if not delete_factory(conn, name):
            raise not_found(request)
    return text(f"Deleted factory {name}")
