"""The testbed's PanDA-compatible HTTP server (plain HTTP, no authentication).

Implemented, with PanDA's paths and encodings (details in docs/testbed.md):
- v1 (``routes_v1``): system/is_alive; statistics active_job_stats_by_site,
  job_stats_by_site_and_resource_type, job_stats_by_site_share_and_resource_type,
  job_stats_by_cloud; metaconfig/get_site_specs; pilot acquire_jobs, update_job, get_job_status;
- legacy (``routes_legacy``): getJob, updateJob, getJobStatisticsPerSite,
  getJobStatisticsWithLabel, getSiteSpecs;
- information (``routes_info``): CRIC pandaqueue and ddmendpoint JSON, the schedconfig cache, the
  transformation script;
- the testbed's own (``routes_own``): /testbed/health, jobs, sites, summary, pilot.py, and
  pilot3.tar.gz (the real pilot, when given).

Jobs whose pilot stopped reporting are failed (and retried) as PanDA's watcher does: on every
dispatcher, statistics and summary call, and every ``check_every`` seconds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.requests import Request

from autopyfactory.testbed.routes_info import info_router
from autopyfactory.testbed.routes_legacy import LEGACY_METHODS, legacy_router
from autopyfactory.testbed.routes_own import own_router
from autopyfactory.testbed.routes_v1 import v1_router
from autopyfactory.testbed.store import JobStore

__all__ = ["LEGACY_METHODS", "create_app"]
log = logging.getLogger(__name__)


def server_url(request: Request) -> str:
    """The server's base URL as this client reached it (what job descriptions point back to)."""
    return str(request.base_url).rstrip("/")


def create_app(
    store: JobStore, storage: str | None = None, check_every: float = 30.0, pilot3: bytes | None = None
) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_watch(store, check_every))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = FastAPI(
        title="autopyfactory testbed (PanDA-compatible)", docs_url=None, redoc_url=None, lifespan=lifespan
    )
    app.include_router(v1_router(store, server_url))
    app.include_router(legacy_router(store, server_url))
    app.include_router(info_router(store, storage or tempfile.gettempdir()))
    app.include_router(own_router(store, pilot3))
    return app


async def _watch(store: JobStore, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            for lost in store.expire_lost():
                log.warning(
                    "job %d (%s) failed: %s%s",
                    lost.panda_id,
                    lost.was,
                    lost.diag,
                    f"; retried as PandaID {lost.retry}" if lost.retry else "",
                )
        except Exception:  # the watcher must outlive a bad moment of the database
            log.exception("checking for lost heartbeats failed")
