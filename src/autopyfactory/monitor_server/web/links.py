"""URLs of the API's and the dashboard's pages for a factory, queue or pilot.

Every name is percent-encoded, so that a name the monitor would no longer take in (one stored by an
older version, with a ``/``, ``?``, ``#`` or a space) still gives a working link and never an error;
the routes take the rest of the path as the name (``{label:anypath}``, see routing.py)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from jinja2 import pass_context
from starlette.requests import Request

# what a path segment may carry as it is (RFC 3986 pchar without "/"); the rest is encoded
_SAFE = "-._~!$&'()*+,;=:@"


def segment(name: str) -> str:
    return quote(name, safe=_SAFE)


def url(request: Request, route: str, **params: str) -> str:
    return str(request.url_for(route, **{k: segment(str(v)) for k, v in params.items()}))


def label_api_url(request: Request, factory: str, name: str) -> str:
    return url(request, "label_one", key=f"{factory}:{name}")


@pass_context
def link(ctx: Any, route: str, **params: str) -> str:
    """For templates: ``link('dash_label', name=factory, label=queue)``."""
    return url(ctx["request"], route, **params)
