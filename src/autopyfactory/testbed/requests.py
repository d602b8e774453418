"""Reading PanDA-style requests: query string, form fields, or a (possibly gzipped) JSON body."""

from __future__ import annotations

import gzip
import json
from typing import Any

from starlette.requests import Request


async def params_of(request: Request) -> dict[str, Any]:
    """Parameters the way PanDA's server takes them: query string for GET, else a JSON body (gunzipped
    when compressed) if the Content-Type says JSON, else form fields; the query string is merged in."""
    out: dict[str, Any] = dict(request.query_params)
    if request.method in ("GET", "HEAD"):
        return out
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == "application/json":
        body = await request.body()
        if body[:2] == b"\x1f\x8b":
            try:
                body = gzip.decompress(body)
            except (OSError, EOFError) as exc:  # BadGzipFile is an OSError
                raise ValueError(f"the gzipped body cannot be decompressed: {exc}") from None
        if body.strip():
            doc = json.loads(body)
            if not isinstance(doc, dict):
                raise ValueError("the JSON body must be an object")
            out.update(doc)
        return out
    form = await request.form()
    out.update({k: v for k, v in form.items() if isinstance(v, str)})
    return out


def wants_json(request: Request) -> bool:
    """The v1 rule: JSON when Content-Type or Accept is exactly application/json."""
    return (
        request.headers.get("content-type", "") == "application/json"
        or request.headers.get("accept", "") == "application/json"
    )


def int_param(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
    v = params.get(name)
    if v is None or v == "" or v == "None":
        return default
    return int(float(v))
