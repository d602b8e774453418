"""PanDA's legacy API (``/server/panda/<method>``) as the testbed serves it: the dispatcher's
getJob/updateJob and the statistics and site specs APF 2.x and Harvester read."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from autopyfactory.testbed import protocol
from autopyfactory.testbed.identity import asker_of, reported_identity
from autopyfactory.testbed.labels import labels_for
from autopyfactory.testbed.requests import int_param, params_of
from autopyfactory.testbed.responses import legacy_response, pickled
from autopyfactory.testbed.store import JobStore, UnknownJob

LEGACY_METHODS = (
    "getJob",
    "updateJob",
    "getJobStatisticsPerSite",
    "getJobStatisticsWithLabel",
    "getSiteSpecs",
)


def legacy_router(store: JobStore, server_url: Callable[[Request], str]) -> APIRouter:
    r = APIRouter(prefix="/server/panda")

    @r.api_route("/{method}", methods=["GET", "POST"])
    async def legacy(method: str, request: Request) -> Response:
        if method not in LEGACY_METHODS:
            return PlainTextResponse(f"ERROR : method {method} is forbidden", status_code=403)
        try:
            params = await params_of(request)
        except ValueError as exc:
            return PlainTextResponse(f"ERROR : bad request: {exc}", status_code=400)
        store.expire_lost()
        if method == "getJobStatisticsPerSite":
            return pickled(store.active_stats(labels_for(params.get("jobType"))))
        if method == "getJobStatisticsWithLabel":
            return pickled(store.stats_with_label())
        if method == "getSiteSpecs":
            kind = str(params.get("siteType") or "analysis")
            return pickled(
                {s.name: protocol.site_spec(s) for s in store.sites() if kind == "all" or s.type == kind}
            )
        if method == "getJob":
            return get_job(request, params)
        return update_job(request, params)

    def get_job(request: Request, params: dict[str, Any]) -> Response:
        site = str(params.get("siteName") or "")
        if not site:
            return legacy_response(
                request, {"StatusCode": protocol.SC_INVALID, "errorDialog": "siteName is required"}
            )
        try:
            n_jobs = int_param(params, "nJobs")
        except ValueError:
            return legacy_response(
                request, {"StatusCode": protocol.SC_INVALID, "errorDialog": "nJobs must be a number"}
            )
        labels = labels_for(params.get("jobType"))
        jobs = store.acquire(site, asker_of(params), n=n_jobs or 1, labels=labels)
        as_json = "application/json" in request.headers.get("accept", "")
        if not jobs:
            answer: dict[str, Any] = {"StatusCode": protocol.SC_NO_JOBS}
            if as_json:
                answer["errorDialog"] = "no jobs in PanDA"
            return legacy_response(request, answer)
        spec, server = store.site(site), server_url(request)
        described = [protocol.job_description(j, spec, server) for j in jobs]
        if n_jobs is not None:  # the multi-job form: a list, a JSON string when not asked for JSON
            return legacy_response(
                request,
                {"StatusCode": protocol.SC_SUCCESS, "jobs": described if as_json else json.dumps(described)},
            )
        return legacy_response(request, {"StatusCode": protocol.SC_SUCCESS, **described[0]})

    def update_job(request: Request, params: dict[str, Any]) -> Response:
        try:
            job_id = int_param(params, "jobId")
            exit_code = int_param(params, "transExitCode")
        except ValueError:
            return legacy_response(request, {"StatusCode": protocol.SC_INVALID})
        if job_id is None:
            return legacy_response(request, {"StatusCode": protocol.SC_INVALID})
        try:
            store.update(
                job_id,
                str(params.get("state") or ""),
                exit_code,
                str(params.get("pilotErrorDiag") or ""),
                str(params.get("node") or ""),
                reported_identity(params, v1=False),
            )
        except UnknownJob:
            return legacy_response(request, {"StatusCode": protocol.SC_FAILED})
        return legacy_response(request, {"StatusCode": protocol.SC_SUCCESS, "command": protocol.NULL})

    return r
