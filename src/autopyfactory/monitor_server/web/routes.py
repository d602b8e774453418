"""Dashboard pages: factories, one factory's labels, one label's pilots, one pilot's history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter
from markupsafe import escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.templating import Jinja2Templates

import autopyfactory.monitor_server.routing  # noqa: F401  (the anypath convertor)
from autopyfactory import __version__
from autopyfactory.monitor_server.api.common import ApiError, query_int
from autopyfactory.monitor_server.db.tx import reading
from autopyfactory.monitor_server.states import JobState, parse_state
from autopyfactory.monitor_server.web import filters, svg
from autopyfactory.monitor_server.web.links import link
from autopyfactory.monitor_server.web.views import factories_view, factory_view, job_view, label_view

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters.update(ts=filters.ts, pct=filters.pct, weblink=filters.weblink)
templates.env.globals.update(
    queue_plot=svg.queue_plot,
    dur=filters.duration,
    sparkline=svg.sparkline,
    activity_chart=svg.activity_chart,
    state_bar=svg.state_bar,
    timeline=svg.timeline,
    age=filters.age,
    link=link,
    states=list(JobState),
    colours={s.value: c for s, c in svg.STATE_COLOURS.items()},
    apf_version=__version__,
)

router = APIRouter(include_in_schema=False)


def _render(request: Request, name: str, **ctx: Any) -> Response:
    svc = request.app.state.services
    ctx.setdefault("now", svc.clock.now())
    ctx.setdefault("hours", svc.settings.activity_hours)
    ctx.setdefault("rule", svc.settings.stale_rule)
    refresh = request.query_params.get("refresh", "60")
    ctx["refresh"] = int(refresh) if refresh.isdigit() else 60
    return templates.TemplateResponse(request, name, ctx)


def _missing(what: str) -> Response:
    return HTMLResponse(
        f"<!doctype html><title>Not found</title><p>{escape(what)} not found</p>", status_code=404
    )


@router.get("/", name="dash_index")
def index(request: Request) -> Response:
    svc = request.app.state.services
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        page = factories_view(conn, now, svc.settings.activity_hours, svc.settings.stale_rule)
    return _render(request, "index.html", rows=page.rows, refused=page.refused, now=now)


# names are percent-encoded in links (web/links.py); ":path" takes a stored name that holds a "/"
@router.get("/factory/{name}/label/{label:anypath}", name="dash_label")
def label(name: str, label: str, request: Request) -> Response:
    svc = request.app.state.services
    raw = request.query_params.get("state") or ""
    state = parse_state(raw) if raw else None
    if raw and state is None:
        raise ApiError(400, f"Invalid data: unknown state '{raw}'")
    page_no = query_int(request, "page", 0)
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        page = label_view(
            conn, name, label, state, page_no, now, svc.settings.activity_hours, svc.settings.stale_rule
        )
    if page is None:
        return _missing(f"Queue {name}:{label}")
    return _render(request, "label.html", p=page, now=now)


@router.get("/factory/{name:anypath}", name="dash_factory")
def factory(name: str, request: Request) -> Response:
    svc = request.app.state.services
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        page = factory_view(conn, name, now, svc.settings.activity_hours, svc.settings.stale_rule)
    if page is None:
        return _missing(f"Factory {name}")
    return _render(request, "factory.html", p=page, now=now)


@router.get("/job/{jid:anypath}", name="dash_job")
def job(jid: str, request: Request) -> Response:
    svc = request.app.state.services
    now = svc.clock.now()
    with reading(svc.engine) as conn:
        page = job_view(conn, jid, now)
    if page is None:
        return _missing(f"Pilot {jid}")
    return _render(request, "job.html", p=page, now=now)


@router.get("/help", name="dash_help")
def help_page(request: Request) -> Response:
    return _render(request, "help.html")
