"""The testbed's PanDA-compatible HTTP server (plain HTTP, no authentication).

Implemented, with PanDA's paths and encodings:
- v1: ``GET /api/v1/statistics/active_job_stats_by_site``, ``GET /api/v1/metaconfig/get_site_specs``,
  ``POST /api/v1/pilot/acquire_jobs``, ``POST /api/v1/pilot/update_job``;
- legacy: ``/server/panda/getJob``, ``updateJob``, ``getJobStatisticsPerSite``,
  ``getJobStatisticsWithLabel``, ``getSiteSpecs`` (statistics and site specs as protocol-0 pickles);
- CRIC: ``GET /cric/api/atlas/pandaqueue/query/`` (pandaqueue JSON keyed by queue name);
- the testbed's own: ``/testbed/health``, ``/testbed/jobs`` (queue jobs), ``/testbed/sites``
  (add, change status), ``/testbed/summary``, ``/testbed/pilot.py`` (the reference pilot's code).
"""

from __future__ import annotations

import json
import logging
import pickle
from importlib.resources import files
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from autopyfactory.testbed import protocol as P
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.requests import int_param, params_of, wants_json
from autopyfactory.testbed.store import JobStore, UnknownJob, UnknownSite

log = logging.getLogger(__name__)
LEGACY_METHODS = (
    "getJob",
    "updateJob",
    "getJobStatisticsPerSite",
    "getJobStatisticsWithLabel",
    "getSiteSpecs",
)


def v1_response(request: Request, success: bool, message: str = "", data: Any = None) -> Response:
    """PanDA v1 answers ``{success, message, data}``: JSON when asked for, else the Python repr;
    the Content-Type is text/plain either way (as the real server does)."""
    result = {"success": success, "message": message, "data": data}
    body = json.dumps(result) if wants_json(request) else str(result)
    return PlainTextResponse(body)


def legacy_response(request: Request, result: dict[str, Any]) -> Response:
    """Legacy dispatcher answers: url-encoded unless the Accept header contains application/json."""
    if "application/json" in request.headers.get("accept", ""):
        return PlainTextResponse(json.dumps(result))
    return PlainTextResponse(urlencode({k: "NULL" if v is None else v for k, v in result.items()}))


def pickled(obj: Any) -> Response:
    return Response(pickle.dumps(obj, protocol=0), media_type="text/plain")


def create_app(store: JobStore) -> FastAPI:
    app = FastAPI(title="autopyfactory testbed (PanDA-compatible)", docs_url=None, redoc_url=None)

    # -- v1 ------------------------------------------------------------------------------------
    @app.get("/api/v1/statistics/active_job_stats_by_site")
    async def active_job_stats_by_site(request: Request) -> Response:
        stats = store.active_stats()
        if not stats:  # PanDA reports an empty result as a failure
            return v1_response(request, False, "Database failure getting the job statistics", {})
        return v1_response(request, True, "", stats)

    @app.get("/api/v1/metaconfig/get_site_specs")
    async def get_site_specs(request: Request) -> Response:
        return v1_response(request, True, "", {s.name: P.site_spec(s) for s in store.sites()})

    @app.post("/api/v1/pilot/acquire_jobs")
    async def acquire_jobs(request: Request) -> Response:
        try:
            params = await params_of(request)
            site = str(params.get("site_name") or "")
            n = int_param(params, "n_jobs", 1) or 1
        except ValueError as exc:
            return v1_response(request, False, f"bad request: {exc}")
        if not site:
            return v1_response(request, False, "site_name is required")
        jobs = store.acquire(site, str(params.get("pilot_id") or ""), str(params.get("node") or ""), n)
        if not jobs:
            return v1_response(request, False, "No jobs in PanDA")
        spec = store.site(site)
        data = {"StatusCode": P.SC_SUCCESS, "jobs": [P.job_description(j, spec) for j in jobs]}
        return v1_response(request, True, "", data)

    @app.post("/api/v1/pilot/update_job")
    async def update_job(request: Request) -> Response:
        try:
            params = await params_of(request)
            job_id = int_param(params, "job_id")
            exit_code = int_param(params, "trans_exit_code")
        except ValueError as exc:
            return v1_response(request, False, f"bad request: {exc}", {"StatusCode": P.SC_INVALID})
        status = str(params.get("job_status") or "")
        if job_id is None:
            return v1_response(request, False, "job_id is required", {"StatusCode": P.SC_INVALID})
        try:
            ok = store.update(
                job_id,
                status,
                exit_code,
                str(params.get("pilot_error_diag") or ""),
                str(params.get("node") or ""),
            )
        except UnknownJob:
            return v1_response(request, False, f"job {job_id} not found", {"StatusCode": P.SC_FAILED})
        if not ok:
            return v1_response(request, False, f"invalid job status {status!r}", {"StatusCode": P.SC_INVALID})
        return v1_response(request, True, "", {"StatusCode": P.SC_SUCCESS, "command": None})

    # -- legacy --------------------------------------------------------------------------------
    @app.api_route("/server/panda/{method}", methods=["GET", "POST"])
    async def legacy(method: str, request: Request) -> Response:
        if method not in LEGACY_METHODS:
            return PlainTextResponse(f"ERROR : method {method} is forbidden", status_code=403)
        try:
            params = await params_of(request)
        except ValueError as exc:
            return PlainTextResponse(f"ERROR : bad request: {exc}", status_code=400)
        if method == "getJobStatisticsPerSite":
            return pickled(store.active_stats())
        if method == "getJobStatisticsWithLabel":
            return pickled(store.stats_with_label())
        if method == "getSiteSpecs":
            return pickled({s.name: P.site_spec(s) for s in store.sites()})
        if method == "getJob":
            return legacy_get_job(request, params)
        return legacy_update_job(request, params)

    def legacy_get_job(request: Request, params: dict[str, Any]) -> Response:
        site = str(params.get("siteName") or "")
        if not site:
            return legacy_response(
                request, {"StatusCode": P.SC_INVALID, "errorDialog": "siteName is required"}
            )
        jobs = store.acquire(site, str(params.get("pilot_id") or ""), str(params.get("node") or ""), 1)
        if not jobs:
            return legacy_response(request, {"StatusCode": P.SC_NO_JOBS, "errorDialog": "no jobs in PanDA"})
        return legacy_response(
            request, {"StatusCode": P.SC_SUCCESS, **P.job_description(jobs[0], store.site(site))}
        )

    def legacy_update_job(request: Request, params: dict[str, Any]) -> Response:
        try:
            job_id = int_param(params, "jobId")
            exit_code = int_param(params, "transExitCode")
        except ValueError:
            return legacy_response(request, {"StatusCode": P.SC_INVALID})
        if job_id is None:
            return legacy_response(request, {"StatusCode": P.SC_INVALID})
        try:
            store.update(
                job_id,
                str(params.get("state") or ""),
                exit_code,
                str(params.get("pilotErrorDiag") or ""),
                str(params.get("node") or ""),
            )
        except UnknownJob:
            return legacy_response(request, {"StatusCode": P.SC_FAILED})
        return legacy_response(request, {"StatusCode": P.SC_SUCCESS, "command": None})

    # -- CRIC ----------------------------------------------------------------------------------
    @app.get("/cric/api/atlas/pandaqueue/query/")
    async def cric_pandaqueues(request: Request) -> Response:
        host = request.url.hostname or "localhost"
        return JSONResponse({s.name: P.pandaqueue(s, host) for s in store.sites()})

    # -- the testbed's own ---------------------------------------------------------------------
    @app.get("/testbed/health")
    async def health() -> Response:
        return JSONResponse({"ok": True})

    @app.post("/testbed/jobs")
    async def submit_jobs(request: Request) -> Response:
        doc = await request.json()
        try:
            ids = store.submit(
                str(doc["site"]),
                int(doc.get("jobs", 1)),
                str(doc["command"]),
                str(doc.get("label", "managed")),
            )
        except UnknownSite as exc:
            return JSONResponse({"error": f"no site {exc}"}, status_code=404)
        except (KeyError, ValueError) as exc:
            return JSONResponse({"error": f"bad request: {exc}"}, status_code=400)
        return JSONResponse({"site": doc["site"], "panda_ids": ids})

    @app.put("/testbed/sites/{name}")
    async def put_site(name: str, request: Request) -> Response:
        doc = await request.json()
        old = store.site(name)
        try:
            if old is None:
                store.put_site(Site(name, str(doc.get("status", "online")), str(doc.get("cloud", "LOCAL"))))
            else:
                store.set_status(name, str(doc.get("status", old.status)))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        log.info("site %s is now %s", name, doc.get("status"))
        return JSONResponse(P.site_spec(store.site(name) or Site(name)))

    @app.get("/testbed/sites")
    async def list_sites() -> Response:
        return JSONResponse([P.site_spec(s) for s in store.sites()])

    @app.get("/testbed/summary")
    async def summary() -> Response:
        s = store.summary()
        return JSONResponse(
            [
                {
                    "site": x.site,
                    "status": x.status,
                    "jobs": x.jobs,
                    "pilots": x.pilots,
                    "pilots_without_job": x.pilots_without_job,
                }
                for x in s.sites
            ]
        )

    @app.get("/testbed/pilot.py")
    async def pilot_code() -> Response:
        text = files("autopyfactory.testbed").joinpath("pilot.py").read_text(encoding="utf-8")
        return PlainTextResponse(text, media_type="text/x-python")

    return app
