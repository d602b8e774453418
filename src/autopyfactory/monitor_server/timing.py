"""ASGI middleware recording each request's latency and status in the metrics."""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from autopyfactory.monitor_server.metrics import Metrics


def route_template(scope: Scope) -> str:
    """The matched route as a template (``/api/jobs/{jid}``): the path with each path parameter's
    value put back as ``{name}``; ``unmatched`` when no route matched (keeps label sets small)."""
    if scope.get("route") is None:
        return "unmatched"
    path: str = scope.get("path", "")
    params: dict[str, Any] = scope.get("path_params") or {}
    for name, value in params.items():
        head, sep, tail = path.rpartition(str(value))
        if sep:
            path = f"{head}{{{name}}}{tail}"
    return path


class TimingMiddleware:
    """Times every request into the metrics."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        t0 = time.perf_counter()
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            name = route_template(scope)
            method = scope.get("method", "")
            self.metrics.latency.labels(method, name).observe(time.perf_counter() - t0)
            self.metrics.requests.labels(method, name, str(status)).inc()
