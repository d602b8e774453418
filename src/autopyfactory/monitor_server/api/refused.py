"""``/api/refused``: the refused factory writes (newest first), as the dashboard shows them."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from autopyfactory.monitor_server.api.common import json_response, query_int
from autopyfactory.monitor_server.api.serialize import refused_write_json
from autopyfactory.monitor_server.db.tx import reading
from autopyfactory.monitor_server.services import services
from autopyfactory.monitor_server.store.refused_writes import recent_refused

router = APIRouter()


@router.get("/refused")
def get_all(request: Request) -> Response:
    """``?factory=`` one factory's; ``?hours=`` refused within that many hours (default all kept)."""
    svc = services(request)
    hours = query_int(request, "hours", 0)
    since = svc.clock.now() - hours * 3600 if hours else 0.0
    with reading(svc.engine) as conn:
        rows = recent_refused(conn, since, request.query_params.get("factory") or None, limit=500)
    return json_response([refused_write_json(r) for r in rows])
