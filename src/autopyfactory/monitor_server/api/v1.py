"""The APFMon v1 calls, mapped onto the same pilot state machine and factory records as v2.

Wrappers (wrapper 0.9.x: ``curl -fksS ${APFMON}rn/$APFFID/$APFCID/`` at start and
``${APFMON}ex/$APFFID/$APFCID/<rc>`` at exit, GET; also the older order ``<fid>/<cid>/rn/``):
``rn`` is ``running``, ``ex`` is ``exiting`` with its exit code (without one the pilot still moves
on, with no result). The reply is 200 whenever retrying cannot help (an unknown pilot, a refused
transition: the body says ``ignored: <reason>``): ``curl -f`` turns any HTTP error into three tries
30 seconds apart, which would delay every pilot by a minute and a half for nothing. Only 503 (the
database is unavailable) asks for the retry.

Factories (APF 2.0/2.1's monitor plugin, POST, form fields): ``h/`` (hello: ``factoryId``,
``versionTag``, ``factoryAdminEmail``, ``baseLogDirUrl``) registers the factory; ``c/``
(``data=[[cid, nick, fid, label], ...]``) registers pilots, creating their queue (label) when
missing; ``m/`` (``cycle=N&data=[[nick, fid, label, text], ...]``) posts each queue's status. The
``data`` JSON is sent without URL encoding; either form is read. The same names, admission and
refusals as v2 apply.

``$APFMON`` is the factory's ``monitorURL``; the calls are served under ``/``, ``/mon/`` (APFMon
v1's own path) and ``/api/``, and under ``/api`` and ``/mon`` directly followed by the verb
(``/apirn/...``): the wrapper appends the verb without a slash, so a v2 ``monitorURL`` such as
``http://host/api`` gives ``http://host/apirn/<fid>/<cid>/``."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, unquote_plus

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from autopyfactory.apfmon.names import NameKind, name_problem
from autopyfactory.monitor_server.api.batch import ItemProblem
from autopyfactory.monitor_server.api.common import ApiError, read_body, text
from autopyfactory.monitor_server.api.factory_writes import (
    REGISTER_PILOTS,
    PilotLabel,
    label_status,
    record_problems,
    register,
    register_pilots,
)
from autopyfactory.monitor_server.api.refuse import name_fix
from autopyfactory.monitor_server.api.state_update import parse_rc, submit_update
from autopyfactory.monitor_server.services import caller, services
from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.factories import FactoryInfo
from autopyfactory.monitor_server.store.jobs import JobInfo
from autopyfactory.monitor_server.store.transition_plan import StateUpdate

router = APIRouter(include_in_schema=False)
PREFIXES = ("/", "/mon/", "/api/", "/api", "/mon")
FID_FIRST_PREFIXES = ("/", "/mon/", "/api/")  # <fid>/<cid>/rn/: not glued to a prefix
MAX_ITEMS = 5000
NOTE = "APFMon v1"


# -- wrappers ---------------------------------------------------------------------------------
async def _ping(
    request: Request, fid: str, cid: str, state: JobState, rc_text: str | None = None
) -> Response:
    svc = services(request)
    who = caller(request)
    rc: int | None = None
    note = NOTE
    if state is JobState.EXITING:
        rc = parse_rc(rc_text)
        if rc is None:
            note += ", no exit code" if not rc_text else f", exit code {rc_text[:20]!r} is not an integer"
    reply = await submit_update(svc, StateUpdate(f"{fid}:{cid}", state, who.address, rc, note=note), who)
    if reply.status == 200:
        return text("OK")
    if reply.status >= 500:
        return text(reply.text, reply.status)
    return text(f"ignored: {reply.text or f'Not found: no pilot {fid}:{cid}'}")


def _parts(rest: str) -> list[str]:
    return [p for p in rest.split("/") if p]


async def running_verb_first(rest: str, request: Request) -> Response:
    parts = _parts(rest)
    if len(parts) != 2:
        return text(f"ignored: expected rn/<factory>/<pilot>/, got rn/{rest}")  # (200: see above)
    return await _ping(request, parts[0], parts[1], JobState.RUNNING)


async def exiting_verb_first(rest: str, request: Request) -> Response:
    parts = _parts(rest)
    if len(parts) not in (2, 3):
        return text(f"ignored: expected ex/<factory>/<pilot>/<rc>, got ex/{rest}")
    return await _ping(request, parts[0], parts[1], JobState.EXITING, parts[2] if len(parts) == 3 else None)


async def running_fid_first(fid: str, cid: str, request: Request) -> Response:
    return await _ping(request, fid, cid, JobState.RUNNING)


async def exiting_fid_first(fid: str, cid: str, request: Request, rc: str | None = None) -> Response:
    return await _ping(request, fid, cid, JobState.EXITING, rc)


# -- factories --------------------------------------------------------------------------------
def _form(raw: bytes) -> dict[str, str]:
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "Invalid data: the body is not a form") from None


def _data(raw: bytes) -> list[Any]:
    """``data=<JSON list>``: sent raw (not URL-encoded) by APF's v1 plugin, or encoded."""
    body = raw.decode("utf-8", "replace")
    candidates = []
    at = body.find("data=")
    if at == 0 or (at > 0 and body[at - 1] == "&"):
        candidates += [body[at + 5 :], unquote_plus(body[at + 5 :])]
    candidates += [v for k, v in parse_qsl(body, keep_blank_values=True) if k == "data"]
    for c in candidates:
        try:
            value = json.loads(c)
        except ValueError:
            continue
        if isinstance(value, list):
            if len(value) > MAX_ITEMS:
                raise ApiError(400, f"Invalid data: at most {MAX_ITEMS} items per request")
            return value
    raise ApiError(400, "Invalid data: expected a form field data=<JSON list>")


def _text(v: Any) -> str | None:
    if isinstance(v, bool):
        return None
    if isinstance(v, int):
        return str(v)
    return v if isinstance(v, str) else None


def _fields(item: Any, nick_at: int) -> list[str | None]:
    """The four fields of a v1 item as text; the PanDA queue ("nick", a queue's optional
    ``batchqueue``) may be null."""
    if not isinstance(item, list) or len(item) != 4:
        return []
    return ["" if i == nick_at and x is None else _text(x) for i, x in enumerate(item)]


async def hello(request: Request) -> Response:
    """``h/``: the factory registers (as ``PUT /api/factories/<fid>``)."""
    svc = services(request)
    form = _form(await read_body(request))
    fid = form.get("factoryId", "")
    if not fid:
        raise ApiError(400, f"Invalid data: expected a form field 'factoryId', got {sorted(form)}")
    email = form.get("factoryAdminEmail") or form.get("factoryOwner") or ""
    info = FactoryInfo(form.get("versionTag", "")[:64], email[:255], form.get("baseLogDirUrl", "")[:255])
    who = caller(request)

    def work() -> Response:
        _, created = register(svc, who, fid, info)
        return text(f"{'Registered' if created else 'Updated'} factory {fid}", 201 if created else 200)

    return await run_in_threadpool(work)


async def created(request: Request) -> Response:
    """``c/``: pilots created, ``data=[[cid, nick, fid, label], ...]``."""
    svc = services(request)
    items = _data(await read_body(request))
    who = caller(request)
    infos: list[JobInfo] = []
    labels: dict[tuple[str, str], PilotLabel] = {}
    problems: list[ItemProblem] = []
    for i, item in enumerate(items):
        fields = _fields(item, nick_at=1)
        if not fields or any(f is None for f in fields):
            problems.append(ItemProblem(i, "", "", 400, "expected [cid, nick, factory, label] (strings)"))
            continue
        cid, nick, fid, label = (f or "" for f in fields)
        bad = [
            (kind, p)
            for kind, name in ((NameKind.FACTORY, fid), (NameKind.LABEL, label), (NameKind.PILOT, cid))
            if (p := name_problem(kind, name)) is not None
        ]
        if bad:
            reason = "; ".join(p for _, p in bad)
            problems.append(ItemProblem(i, fid, label, 422, reason, name_fix(bad[0][0])))
            continue
        infos.append(JobInfo(cid, label, fid))
        labels.setdefault((fid, label), PilotLabel(fid, label, nick[:128]))

    def work() -> Response:
        if problems:
            record_problems(svc, who, problems, REGISTER_PILOTS)
        if not infos:
            status = 400 if any(p.status == 400 for p in problems) or not items else 422
            raise ApiError(
                status, "Invalid data: " + ("; ".join(p.text() for p in problems[:5]) or "no items")
            )
        res = register_pilots(svc, who, infos, list(labels.values()))
        total = res.total + len(problems)
        return text(
            f"Created {res.created}/{total} job(s), {total - res.created} not created",
            201 if res.created else 200,
        )

    return await run_in_threadpool(work)


async def message(request: Request) -> Response:
    """``m/``: queue status messages, ``cycle=N&data=[[nick, fid, label, text], ...]``."""
    svc = services(request)
    items = _data(await read_body(request))
    who = caller(request)

    def work() -> Response:
        stored = 0
        errors: list[ApiError] = []
        for i, item in enumerate(items):
            fields = _fields(item, nick_at=0)
            if not fields or any(f is None for f in fields):
                errors.append(ApiError(400, f"item {i}: expected [nick, factory, label, text] (strings)"))
                continue
            nick, fid, label, msg = (f or "" for f in fields)
            try:
                label_status(svc, who, fid, label, msg, batchqueue=nick[:128])
                stored += 1
            except ApiError as exc:
                errors.append(ApiError(exc.status, f"item {i}: {exc.text}"))
        summary = "; ".join(e.text for e in errors[:5])
        if items and not stored:
            raise ApiError(errors[0].status, summary)
        reply = f"Stored {stored}/{len(items)} message(s)"
        return text(reply + (f"; refused: {summary}" if errors else ""))

    return await run_in_threadpool(work)


Endpoint = Callable[..., Awaitable[Response]]


def _add(path: str, endpoint: Endpoint, methods: list[str]) -> None:
    router.add_api_route(path, endpoint, methods=methods)


for _p in PREFIXES:
    _add(f"{_p}rn/{{rest:path}}", running_verb_first, ["GET", "POST"])
    _add(f"{_p}ex/{{rest:path}}", exiting_verb_first, ["GET", "POST"])
    for _verb, _endpoint in (("h", hello), ("c", created), ("m", message)):
        _add(f"{_p}{_verb}/", _endpoint, ["POST"])
        _add(f"{_p}{_verb}", _endpoint, ["POST"])
for _p in FID_FIRST_PREFIXES:
    for _slash in ("/", ""):
        _add(f"{_p}{{fid}}/{{cid}}/rn{_slash}", running_fid_first, ["GET", "POST"])
        _add(f"{_p}{{fid}}/{{cid}}/ex{_slash}", exiting_fid_first, ["GET", "POST"])
        _add(f"{_p}{{fid}}/{{cid}}/ex/{{rc}}{_slash}", exiting_fid_first, ["GET", "POST"])
