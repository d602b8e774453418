"""PanDA's v1 API (``/api/v1/<module>/<method>``) as the testbed serves it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from autopyfactory.testbed import protocol, statistics
from autopyfactory.testbed.identity import asker_of, reported_identity
from autopyfactory.testbed.labels import ANALYSIS_LABELS, PRODUCTION_LABELS, labels_for
from autopyfactory.testbed.requests import int_param, params_of
from autopyfactory.testbed.responses import v1_response
from autopyfactory.testbed.store import JobStore, UnknownJob

EMPTY_STATS = "Database failure getting the job statistics"
VALID_JOB_STATES = ("running", "failed", "finished", "holding", "starting", "transferring")
SITE_TYPES = ("all", "analysis", "production", "unified")


def _method(request: Request, expected: str) -> Response | None:
    """PanDA answers a wrong HTTP method with HTTP 200 and success false."""
    if request.method != expected:
        return v1_response(request, False, f"expecting {expected}, received {request.method}")
    return None


def _stats(request: Request, data: dict[str, Any]) -> Response:
    # PanDA reports an empty result as a failure
    if not data:
        return v1_response(request, False, EMPTY_STATS, {})
    return v1_response(request, True, "", data)


def v1_router(store: JobStore, server_url: Callable[[Request], str]) -> APIRouter:
    r = APIRouter(prefix="/api/v1")
    both = ["GET", "POST"]

    @r.api_route("/system/is_alive", methods=both)
    async def is_alive(request: Request) -> Response:
        return _method(request, "GET") or v1_response(request, True)

    @r.api_route("/statistics/active_job_stats_by_site", methods=both)
    async def active_job_stats_by_site(request: Request) -> Response:
        if bad := _method(request, "GET"):
            return bad
        store.expire_lost()
        return _stats(request, store.active_stats())

    @r.api_route("/statistics/job_stats_by_site_and_resource_type", methods=both)
    async def job_stats_by_site_and_resource_type(request: Request) -> Response:
        if bad := _method(request, "GET"):
            return bad
        try:
            window = statistics.time_window(request.query_params.get("time_window"))
        except ValueError as exc:
            return v1_response(request, False, str(exc), {})
        store.expire_lost()
        rows = store.counts(60.0 * (statistics.DEFAULT_WINDOW if window is None else window))
        return _stats(request, statistics.by_site_and_resource_type(rows))

    @r.api_route("/statistics/job_stats_by_site_share_and_resource_type", methods=both)
    async def job_stats_by_site_share_and_resource_type(request: Request) -> Response:
        if bad := _method(request, "GET"):
            return bad
        try:
            window = statistics.time_window(request.query_params.get("time_window"))
        except ValueError as exc:
            return v1_response(request, False, str(exc), {})
        store.expire_lost()
        rows = store.counts(60.0 * (statistics.DEFAULT_WINDOW if window is None else window))
        return _stats(request, statistics.by_site_share_and_resource_type(rows))

    @r.api_route("/statistics/job_stats_by_cloud", methods=both)
    async def job_stats_by_cloud(request: Request) -> Response:
        if bad := _method(request, "GET"):
            return bad
        kind = request.query_params.get("type", "production")
        if kind not in ("production", "analysis"):
            return v1_response(
                request, False, 'Parameter "type" needs to be either "production" or "analysis" ', {}
            )
        store.expire_lost()
        labels = PRODUCTION_LABELS if kind == "production" else ANALYSIS_LABELS
        return _stats(request, statistics.by_cloud(store.counts(60.0 * statistics.DEFAULT_WINDOW), labels))

    @r.api_route("/statistics/production_job_stats_by_cloud_and_processing_type", methods=both)
    async def production_job_stats_by_cloud_and_processing_type(request: Request) -> Response:
        if bad := _method(request, "GET"):
            return bad
        store.expire_lost()
        rows = store.counts(60.0 * statistics.DEFAULT_WINDOW)
        return _stats(request, statistics.by_cloud_and_processing_type(rows, PRODUCTION_LABELS))

    @r.api_route("/metaconfig/get_site_specs", methods=both)
    async def get_site_specs(request: Request) -> Response:
        if bad := _method(request, "GET"):
            return bad
        kind = request.query_params.get("type", "analysis")
        specs = {s.name: protocol.site_spec(s) for s in store.sites() if kind == "all" or s.type == kind}
        return v1_response(request, True, "", specs)

    @r.post("/pilot/acquire_jobs")
    async def acquire_jobs(request: Request) -> Response:
        try:
            params = await params_of(request)
            site = str(params.get("site_name") or "")
            n = int_param(params, "n_jobs", 1) or 1
        except ValueError as exc:
            return v1_response(request, False, f"bad request: {exc}")
        if not site:
            return v1_response(request, False, "Argument error: missing a required argument: 'site_name'")
        store.expire_lost()
        labels = labels_for(params.get("job_type"))
        jobs = store.acquire(site, asker_of(params), n=n, labels=labels)
        if not jobs:
            return v1_response(request, False, "No jobs in PanDA")
        spec = store.site(site)
        data = {
            "StatusCode": protocol.SC_SUCCESS,
            "jobs": [protocol.job_description(j, spec, server_url(request)) for j in jobs],
        }
        return v1_response(request, True, "", data)

    @r.post("/pilot/update_job")
    async def update_job(request: Request) -> Response:
        try:
            params = await params_of(request)
            job_id = int_param(params, "job_id")
            exit_code = int_param(params, "trans_exit_code")
        except ValueError as exc:
            return v1_response(request, False, f"bad request: {exc}", {"StatusCode": protocol.SC_INVALID})
        status = str(params.get("job_status") or "")
        if job_id is None:
            return v1_response(request, False, "job_id is NULL", {"StatusCode": protocol.SC_INVALID})
        if status not in VALID_JOB_STATES:
            return v1_response(
                request, False, f"Invalid job status: {status}", {"StatusCode": protocol.SC_INVALID}
            )
        try:
            store.update(
                job_id,
                status,
                exit_code,
                str(params.get("pilot_error_diag") or ""),
                str(params.get("node") or ""),
                reported_identity(params, v1=True),
            )
        except UnknownJob:
            return v1_response(request, True, "Database error", {"StatusCode": protocol.SC_FAILED})
        return v1_response(request, True, "", {"StatusCode": protocol.SC_SUCCESS, "command": protocol.NULL})

    @r.api_route("/pilot/get_job_status", methods=both)
    async def get_job_status(request: Request) -> Response:
        try:
            params = await params_of(request)
        except ValueError as exc:
            return v1_response(request, False, f"bad request: {exc}")
        raw = params.get("job_ids") or request.query_params.getlist("job_ids")
        ids = raw if isinstance(raw, list) else str(raw).split(",")
        out: list[dict[str, Any]] = []
        for raw_id in ids:
            try:
                job_id: int | str = int(float(str(raw_id)))
            except ValueError:
                job_id = str(raw_id)
            job = store.job(job_id) if isinstance(job_id, int) else None
            out.append(
                {"job_id": job_id, "status": job.status, "attempt_number": job.attempt}
                if job
                else {"job_id": job_id, "status": "not found", "attempt_number": 0}
            )
        return v1_response(request, True, "", out)

    return r
