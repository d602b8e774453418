"""PanDA's answer encodings: v1 ``{success, message, data}``, legacy url-encoded or JSON
dispatcher answers, protocol-0 pickles."""

from __future__ import annotations

import json
import pickle
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from autopyfactory.testbed.protocol import NULL
from autopyfactory.testbed.requests import wants_json


def v1_response(request: Request, success: bool, message: str = "", data: Any = None) -> Response:
    """PanDA v1 answers ``{success, message, data}``: JSON when asked for, else the Python repr;
    the Content-Type is text/plain either way (as the real server does)."""
    result = {"success": success, "message": message, "data": data}
    body = json.dumps(result) if wants_json(request) else str(result)
    return PlainTextResponse(body)


def legacy_response(request: Request, result: dict[str, Any]) -> Response:
    """Legacy dispatcher answers: url-encoded unless the Accept header contains application/json.
    A missing value is the string "NULL" in both encodings, as PanDA's dispatcher sends it."""
    fields = {k: NULL if v is None else v for k, v in result.items()}
    if "application/json" in request.headers.get("accept", ""):
        return PlainTextResponse(json.dumps(fields))
    return PlainTextResponse(urlencode(fields))


def pickled(obj: Any) -> Response:
    return Response(pickle.dumps(obj, protocol=0), media_type="text/plain")
