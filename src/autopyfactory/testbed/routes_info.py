"""What pilots and factories read besides the API: CRIC's pandaqueue and ddmendpoint JSON, the
PanDA server's schedconfig cache (``/cache/schedconfig/<queue>.all.json`` and friends) and the
transformation script testbed jobs name."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from autopyfactory.testbed import protocol
from autopyfactory.testbed.store import JobStore

SCHEDCONFIG_KINDS = ("all.json", "factory.json", "pilot.json")


def _sorted_json(doc: Any) -> Response:
    # the PanDA server's schedconfig cache is written with sort_keys=True, indent=4
    return Response(json.dumps(doc, sort_keys=True, indent=4), media_type="application/json")


def info_router(store: JobStore, storage: str) -> APIRouter:
    r = APIRouter()

    def host_of(request: Request) -> str:
        return request.url.hostname or "localhost"

    @r.get("/cric/api/atlas/pandaqueue/query/")
    async def cric_pandaqueues(request: Request) -> Response:
        """Every queue, or only those named by ``pandaqueue=`` (repeatable, or a comma list)."""
        wanted = {
            n.strip() for v in request.query_params.getlist("pandaqueue") for n in v.split(",") if n.strip()
        }
        host = host_of(request)
        return JSONResponse(
            {s.name: protocol.pandaqueue(s, host) for s in store.sites() if not wanted or s.name in wanted}
        )

    @r.get("/cric/api/atlas/ddmendpoint/query/")
    async def cric_ddmendpoints() -> Response:
        return JSONResponse(protocol.ddm_endpoints(store.sites(), storage))

    @r.get("/cache/ddmendpoints.json")
    async def cache_ddmendpoints() -> Response:
        return _sorted_json(protocol.ddm_endpoints(store.sites(), storage))

    @r.get("/cache/schedconfig/schedconfig.all.json")
    async def schedconfig_all(request: Request) -> Response:
        host = host_of(request)
        return _sorted_json({s.name: protocol.pandaqueue(s, host) for s in store.sites()})

    @r.get("/cache/schedconfig/{name}")
    async def schedconfig(name: str, request: Request) -> Response:
        queue, _, kind = name.partition(".")
        site = store.site(queue)
        if kind == "json":  # CRIC's cache layout: /cache/schedconfig/<queue>.json = {queue: {...}}
            if site is None:
                return PlainTextResponse(f"no queue {queue}", status_code=404)
            return _sorted_json({queue: protocol.pandaqueue(site, host_of(request))})
        if site is None or kind not in SCHEDCONFIG_KINDS:
            return PlainTextResponse(f"no schedconfig {name}", status_code=404)
        if kind == "factory.json":
            return _sorted_json(protocol.factory_entry(site))
        return _sorted_json(protocol.pandaqueue(site, host_of(request)))

    @r.get(f"{protocol.TRF_PATH}/{protocol.TRF_NAME}")
    async def transformation() -> Response:
        text = files("autopyfactory.testbed").joinpath(protocol.TRF_NAME).read_text(encoding="utf-8")
        return PlainTextResponse(text, media_type="text/x-shellscript")

    return r
