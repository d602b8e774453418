"""The testbed's own endpoints: queue jobs, add sites and change their status, counts, the
reference pilot's code, the real pilot's when given."""

from __future__ import annotations

import logging
from importlib.resources import files

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response

from autopyfactory.testbed import protocol
from autopyfactory.testbed.model import DEFAULT_TIMEFLOOR, Site
from autopyfactory.testbed.store import JobStore, UnknownSite

log = logging.getLogger(__name__)


def own_router(store: JobStore, pilot3: bytes | None = None) -> APIRouter:
    r = APIRouter(prefix="/testbed")

    @r.get("/health")
    async def health() -> Response:
        return JSONResponse({"ok": True})

    @r.post("/jobs")
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

    @r.put("/sites/{name}")
    async def put_site(name: str, request: Request) -> Response:
        doc = await request.json()
        old = store.site(name)
        try:
            if old is None:
                store.put_site(
                    Site(
                        name,
                        str(doc.get("status", "online")),
                        str(doc.get("cloud", "LOCAL")),
                        type=str(doc.get("type", "production")),
                        timefloor=int(doc.get("timefloor", DEFAULT_TIMEFLOOR)),
                    )
                )
            else:
                store.set_status(name, str(doc.get("status", old.status)))
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, status_code=400)
        log.info("site %s is now %s", name, doc.get("status"))
        return JSONResponse(protocol.site_spec(store.site(name) or Site(name)))

    @r.get("/sites")
    async def list_sites() -> Response:
        return JSONResponse([protocol.site_spec(s) for s in store.sites()])

    @r.get("/summary")
    async def summary() -> Response:
        store.expire_lost()
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

    @r.get("/jobs/{panda_id}")
    async def job(panda_id: int) -> Response:
        j = store.job(panda_id)
        if j is None:
            return JSONResponse({"error": f"no job {panda_id}"}, status_code=404)
        return JSONResponse(
            {
                "panda_id": j.panda_id,
                "site": j.site,
                "status": j.status,
                "label": j.label,
                "attempt": j.attempt,
                "exit_code": j.exit_code,
                "pilot": j.pilot_id,
                "node": j.node,
                "error_diag": j.error_diag,
                "retry_of": j.retry_of,
            }
        )

    @r.get("/pilot3.tar.gz")
    async def pilot3_code() -> Response:
        """The real PanDA pilot with the launcher (``testbed serve --pilot3 DIR``)."""
        if pilot3 is None:
            return PlainTextResponse("no pilot 3 here: start the testbed with --pilot3 DIR", status_code=404)
        return Response(pilot3, media_type="application/gzip")

    @r.get("/pilot.py")
    async def pilot_code() -> Response:
        text = files("autopyfactory.testbed").joinpath("pilot.py").read_text(encoding="utf-8")
        return PlainTextResponse(text, media_type="text/x-python")

    return r
