"""Shared request and response helpers: text/plain errors, APFMon-style JSON, body parsing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from pydantic import BaseModel, TypeAdapter, ValidationError
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

T = TypeVar("T")


class ApiError(Exception):
    """An error reply: status and a plain-text reason."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def text(body: str, status: int = 200) -> Response:
    return PlainTextResponse(body, status_code=status)


def iso(ts: float | None) -> str | None:
    """Django's JSON time format: ISO 8601, milliseconds, ``Z``."""
    if ts is None:
        return None
    d = datetime.fromtimestamp(ts, UTC)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + f"{d.microsecond // 1000:03d}Z"


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, sort_keys=True, indent=2)
    return Response(body, status_code=status, media_type="application/json")


def not_found(request: Request) -> ApiError:
    return ApiError(404, f"Not found: {request.url}")


MAX_BODY = 32 << 20  # a full PUT /jobs (5000 pilots with every URL at its longest) is about 13 MB


async def read_body(request: Request, limit: int = MAX_BODY) -> bytes:
    """The request body; 413 as soon as it grows beyond ``limit`` (the caller is not yet known to
    be anyone: nothing unbounded is held for it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise ApiError(413, f"Request body too large (limit {limit} bytes)")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"Request body too large (limit {limit} bytes)")
        chunks.append(chunk)
    return b"".join(chunks)


async def read_json(request: Request, adapter: TypeAdapter[T]) -> T:
    raw = await read_body(request)
    try:
        return adapter.validate_json(raw)
    except ValidationError as exc:
        raise ApiError(400, f"Invalid data: {_errors(exc)}") from None


def _errors(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in e["loc"]) or "body"
        parts.append(f"{loc}: {e['msg']}")
    return "; ".join(parts[:5])


async def read_form(request: Request) -> dict[str, str]:
    """Form fields (urlencoded, as curl -d sends them, or multipart); the last value of a repeated key."""
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("multipart/"):
        form = await request.form()
        return {k: v for k, v in form.items() if isinstance(v, str)}
    return form_from_bytes(await read_body(request))


def query_int(request: Request, name: str, default: int, minimum: int = 0) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        v = int(raw)
    except ValueError:
        raise ApiError(400, f"Invalid data: parameter '{name}' needs to be an integer") from None
    if v < minimum:
        raise ApiError(400, f"Invalid data: parameter '{name}' needs to be >= {minimum}")
    return v


def query_choice(request: Request, name: str, default: str, choices: tuple[str, ...]) -> str:
    v = request.query_params.get(name) or default
    if v not in choices:
        raise ApiError(400, f"Invalid data: parameter '{name}' needs to be one of {', '.join(choices)}")
    return v


def form_from_bytes(raw: bytes) -> dict[str, str]:
    """An urlencoded body as fields (the last value of a repeated key); 400 when it is not one."""
    try:
        return dict(parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        raise ApiError(
            400, "Invalid data: the body is not a form (application/x-www-form-urlencoded)"
        ) from None


def split_key(key: str, what: str) -> tuple[str, str]:
    """``<factory>:<name>`` (a label: first colon) as a pair; 400 when malformed."""
    fac, sep, name = key.partition(":")
    if not sep or not fac or not name:
        raise ApiError(400, f"Invalid data: expected '<factory>:<{what}>', got '{key}'")
    return fac, name


class Payload(BaseModel):
    """Base of request bodies: unknown keys are ignored (as APFMon did), types are checked."""

    model_config = {"extra": "ignore", "str_strip_whitespace": True}


Handler = Callable[..., Any]
