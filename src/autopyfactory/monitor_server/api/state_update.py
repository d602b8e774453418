"""``POST /api/jobs/<jid>``: a job's state update, and the ASGI fast path that serves it.

``state=running`` and ``state=exiting&rc=N`` are accepted from anyone (the wrapper on the worker
node); ``state=done`` and ``state=fault`` only from the job's factory or an admin; ``state=created``
(Harvester's "submitted") is acknowledged for a job that is still created. Every pilot calls
this twice, so urlencoded requests (what ``curl -d`` sends) are answered by :class:`StateUpdateFastPath`
before the framework's routing; other bodies reach the ordinary route, which uses the same logic."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from autopyfactory.monitor_server.api.factory_writes import state_refused
from autopyfactory.monitor_server.auth import Caller, bearer_token, normal_address
from autopyfactory.monitor_server.services import Services
from autopyfactory.monitor_server.states import FACTORY_STATES, JobState, parse_state
from autopyfactory.monitor_server.store.transition_plan import Outcome, StateUpdate
from autopyfactory.monitor_server.writer import WriterUnavailable

PREFIX = "/api/jobs/"
MAX_BODY = 64 * 1024


@dataclass(frozen=True, slots=True)
class Reply:
    """The answer to a wrapper's state update: status code and text."""

    status: int
    text: str  # empty on success: the caller answers with the job's URL


FORBIDDEN_TEXT = "only the job's factory (or an admin) may set state={state}"


def parse_rc(text: str | None) -> int | None:
    """An exit code: an integer that fits the result column; None when it is not one."""
    try:
        rc = int(text or "")
    except ValueError:
        return None
    return rc if -32768 <= rc <= 32767 else None


async def apply_state_update(
    svc: Services, jid: str, form: dict[str, str], who: Caller, note: str = ""
) -> Reply:
    """Apply one update from form fields ``state``, ``rc``, ``wrapper``, ``ids``; the reply to send."""
    state = parse_state(form.get("state", ""))
    if state is None:
        return Reply(400, f"Invalid data: {form}")
    rc: int | None = None
    if state is JobState.EXITING:
        try:
            rc = int(form.get("rc", ""))
        except ValueError:
            return Reply(400, "parameter 'rc' needs to be an integer")
        if not -32768 <= rc <= 32767:
            return Reply(400, "parameter 'rc' needs to be an integer between -32768 and 32767")
    update = StateUpdate(jid, state, who.address, rc, form.get("wrapper", ""), form.get("ids", ""), note)
    return await submit_update(svc, update, who)


async def submit_update(svc: Services, update: StateUpdate, who: Caller) -> Reply:
    """Check who may set the state, then hand the update to the writer. A refused ``done`` or
    ``fault`` is recorded on the job (counted, not repeated) and, when it came from the factory's
    own address, with the factory's refused writes."""
    state = update.state
    if state in FACTORY_STATES:
        factory = update.jid.partition(":")[0]
        decision = await run_in_threadpool(svc.auth.check, who, factory)
        if not decision.allowed:
            why = FORBIDDEN_TEXT.format(state=state)
            await run_in_threadpool(state_refused, svc, who, factory, state, decision)
            try:
                await svc.writer.submit(replace(update, refused=f"Refused state={state}: {why}"))
            except WriterUnavailable:
                pass  # the reply is the same; only the note on the job is lost
            svc.metrics.state_updates.labels(state.value, Outcome.FORBIDDEN.value).inc()
            # no fix in the reply: most such calls are wrappers, for which there is none (a
            # factory's own are recorded with the fix, see state_refused)
            return Reply(403, f"Forbidden: {why}: {decision.reason}")
    try:
        result = await svc.writer.submit(update)
    except WriterUnavailable as exc:
        return Reply(503, f"Service unavailable: {exc}")
    svc.metrics.state_updates.labels(state.value, result.outcome.value).inc()
    if result.outcome is Outcome.NOT_FOUND:
        return Reply(404, "")
    if result.outcome is Outcome.INVALID:
        return Reply(400, result.reason(state))
    return Reply(200, "")


@dataclass(frozen=True, slots=True)
class _RouteName:
    path: str = "/api/jobs/{jid}"


ROUTE = _RouteName()


def _url(scope: Scope) -> str:
    host = ""
    for k, v in scope["headers"]:
        if k == b"host":
            host = v.decode("latin-1")
            break
    if not host and scope.get("server"):
        h, p = scope["server"]
        host = f"{h}:{p}"
    return f"{scope.get('scheme', 'http')}://{host}{scope.get('root_path', '')}{scope['path']}"


class StateUpdateFastPath:
    """ASGI middleware: urlencoded ``POST /api/jobs/<jid>`` served directly; the rest passes on."""

    def __init__(self, app: ASGIApp, services: Services) -> None:
        self.app = app
        self.svc = services

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or not path.startswith(PREFIX)
            or "/" in path[len(PREFIX) :]
            or len(path) == len(PREFIX)
        ):
            await self.app(scope, receive, send)
            return
        ctype = b""
        auth = None
        for k, v in scope["headers"]:
            if k == b"content-type":
                ctype = v
            elif k == b"authorization":
                auth = v.decode("latin-1")
        if ctype.startswith(b"multipart/"):
            await self.app(scope, receive, send)
            return
        scope["route"] = ROUTE
        scope["path_params"] = {"jid": path[len(PREFIX) :]}
        body = b""
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            body += msg.get("body", b"")
            if len(body) > MAX_BODY:
                await _respond(send, 413, "Request body too large")
                return
            if not msg.get("more_body"):
                break
        try:
            form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        except (UnicodeDecodeError, ValueError):
            await _respond(
                send, 400, "Invalid data: the body is not a form (application/x-www-form-urlencoded)"
            )
            return
        client = scope.get("client")
        who = Caller(normal_address(client[0]) if client else "", bearer_token(auth))
        reply = await apply_state_update(self.svc, path[len(PREFIX) :], form, who)
        if reply.status == 200:
            await _respond(send, 200, _url(scope))
        elif reply.status == 404:
            await _respond(send, 404, f"Not found: {_url(scope)}")
        else:
            await _respond(send, reply.status, reply.text)


async def _respond(send: Send, status: int, text: str) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
