"""One HTTP GET with a total deadline and a size limit, and retries with exponential backoff."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

import httpx

from autopyfactory.wms.panda.unpickle import UnsafePickle

log = logging.getLogger(__name__)
T = TypeVar("T")


class FetchError(RuntimeError):
    """The server could not be asked, or did not answer usefully."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """Bounds of one PanDA request: overall deadline, size and retries."""

    timeout: float = 60.0  # whole request, connection to last byte
    max_bytes: int = 64 << 20
    retries: int = 3
    backoff: float = 2.0


def get_bytes(
    client: httpx.Client,
    url: str,
    limits: FetchLimits,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> bytes:
    """The body of ``GET url``. Raises FetchError on transport errors, HTTP errors, a body larger than
    ``max_bytes`` or a response not complete within ``timeout`` seconds: ``client`` comes from
    :func:`autopyfactory.net.deadline.http_client`, which holds that deadline against a server
    trickling its headers or body."""
    try:
        with client.stream("GET", url, params=params, headers=headers, timeout=limits.timeout) as r:
            if r.status_code >= 400:
                text = _head(r).decode("utf-8", "replace").strip().replace("\n", " ")[:200]
                raise FetchError(f"HTTP {r.status_code} from {url}: {text or r.reason_phrase}")
            chunks: list[bytes] = []
            size = 0
            for chunk in r.iter_bytes():
                size += len(chunk)
                if size > limits.max_bytes:
                    raise FetchError(f"response from {url} is larger than {limits.max_bytes} bytes")
                chunks.append(chunk)
            return b"".join(chunks)
    except httpx.TimeoutException:
        raise FetchError(f"no complete answer from {url} within {limits.timeout:g}s") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"cannot reach {url}: {type(exc).__name__}: {exc}") from None


def _head(r: httpx.Response, limit: int = 4096) -> bytes:
    """The start of an error page, without reading the rest (it may be endless)."""
    got = b""
    for chunk in r.iter_bytes():
        got += chunk
        if len(got) >= limit:
            break
    return got[:limit]


def with_retries(
    fn: Callable[[], T], what: str, limits: FetchLimits, stop: threading.Event, level: int = logging.WARNING
) -> T:
    """``fn()``, retried ``limits.retries`` times with backoff 1x, 2x, 4x ... (capped at 60 s), each
    retry logged at ``level``. Refused (hostile) content is not retried. Stops early when ``stop``
    is set."""
    attempt = 0
    while True:
        try:
            return fn()
        except UnsafePickle:
            raise
        except Exception as exc:
            if attempt >= limits.retries or stop.is_set():
                raise
            pause = min(60.0, limits.backoff * (2**attempt))
            attempt += 1
            log.log(level, "%s failed (attempt %d, retrying in %.1fs): %s", what, attempt, pause, exc)
            if stop.wait(pause):
                raise
