"""The application factory: ``create_app(settings)`` wires database, writer, auth, expiry, metrics,
the API under ``/api``, the dashboard under ``/`` and ``/metrics``."""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from autopyfactory import __version__
from autopyfactory.monitor_server.api import admin, cycle_report, factories, jobs, labels, refused, v1
from autopyfactory.monitor_server.api.common import ApiError, json_response, text
from autopyfactory.monitor_server.api.state_update import StateUpdateFastPath
from autopyfactory.monitor_server.auth import Authorizer
from autopyfactory.monitor_server.background import ExpiryTask
from autopyfactory.monitor_server.clock import Clock, SystemClock
from autopyfactory.monitor_server.db.checkpoint import WalCheckpointer
from autopyfactory.monitor_server.db.engine import is_sqlite, make_engine
from autopyfactory.monitor_server.db.migrate import upgrade
from autopyfactory.monitor_server.heap import freeze_startup_heap
from autopyfactory.monitor_server.metrics import Metrics
from autopyfactory.monitor_server.refusals import RefusalRecorder
from autopyfactory.monitor_server.services import Services
from autopyfactory.monitor_server.settings import ServerSettings
from autopyfactory.monitor_server.timing import TimingMiddleware
from autopyfactory.monitor_server.web.routes import STATIC_DIR
from autopyfactory.monitor_server.web.routes import router as web_router
from autopyfactory.monitor_server.writer import StateWriter

log = logging.getLogger(__name__)


def create_app(
    settings: ServerSettings,
    clock: Clock | None = None,
    migrate: bool = True,
    run_expiry: bool = True,
    owns_process: bool = False,
) -> FastAPI:
    """``migrate``: bring the schema to the newest revision first. ``run_expiry``: start the
    background expiry task (tests drive ``app.state.expiry.run_once()`` themselves).
    ``owns_process``: the app is all its process serves (``monitor serve``): once started, its heap
    is frozen out of the garbage collector's full collections (``heap``)."""
    clock = clock or SystemClock()
    engine = make_engine(settings.db_url, sqlite_autocheckpoint=False)
    if migrate:
        upgrade(engine)
    checkpointer = WalCheckpointer(engine) if is_sqlite(engine) else None
    metrics = Metrics(engine)
    expiry = ExpiryTask(engine, clock, settings.expiry, metrics)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        writer.start()
        if run_expiry and settings.expiry.enabled:
            expiry.start()
        if checkpointer is not None:
            checkpointer.start()
        if owns_process:
            freeze_startup_heap()
        yield
        if checkpointer is not None:
            checkpointer.stop()
        expiry.stop()
        await writer.aclose()
        writer_engine.dispose()
        engine.dispose()

    app = FastAPI(
        title="APF monitor",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    writer_engine = (
        make_engine(settings.db_url, sqlite_busy_ms=0, sqlite_autocheckpoint=False)
        if is_sqlite(engine)
        else engine
    )
    writer = StateWriter.for_engine(
        writer_engine, settings.db_url, clock, on_batch=metrics.batch_size.observe
    )
    app.state.services = Services(
        settings,
        engine,
        clock,
        Authorizer(settings.auth, engine),
        writer,
        metrics,
        RefusalRecorder(engine, clock, metrics),
    )
    app.state.expiry = expiry

    for mod in (cycle_report, factories, labels, jobs, admin, refused):
        app.include_router(mod.router, prefix="/api")
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(v1.router)  # last: its <fid>/<cid>/rn/ paths are the most general

    @app.get("/metrics", include_in_schema=False)
    def metrics_endpoint() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/api/version")
    def version_endpoint() -> Response:
        """The monitor's software version (also in the dashboard footer and the OpenAPI info)."""
        return json_response({"name": "autopyfactory-monitor", "version": __version__})

    @app.exception_handler(ApiError)
    async def api_error(_request: Request, exc: ApiError) -> Response:
        return text(exc.text, exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> Response:
        return text(f"Invalid data: {exc.errors()}", 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return text(f"Not found: {request.url}", 404)
        if exc.status_code == 405:
            return text(f"Method not allowed: {request.method} {request.url.path}", 405)
        return text(str(exc.detail), exc.status_code)

    app.add_middleware(StateUpdateFastPath, services=app.state.services)
    app.add_middleware(TimingMiddleware, metrics=metrics)
    return app


def app_from_environment() -> FastAPI:
    """For ``uvicorn --factory`` workers started by ``monitor serve``: settings from ``APFMON_SETTINGS``."""

    from autopyfactory.monitor_server.settings import settings_from_json

    return create_app(settings_from_json(os.environ["APFMON_SETTINGS"]), migrate=False, owns_process=True)
