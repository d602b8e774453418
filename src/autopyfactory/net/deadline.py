"""HTTP clients whose requests have a real overall deadline.

httpx's timeouts bound each network operation, so a server that sends one byte of its headers (or
of a body) every few seconds keeps a request alive forever. A client made by :func:`http_client`
bounds the whole request instead: name resolution, connection, TLS, sending, the headers, every
redirect and the body must all be done within ``deadline`` seconds of the request's start. Each
socket operation waits at most the time left, so the request ends (``httpx.TimeoutException``)
at the deadline whatever the server does: trickle, stall, or accept and never answer.

Every network client of the factory (PanDA, CRIC, the APF monitor, slurmrestd, queue files over
HTTP) is made here. One request may ask for another deadline with ``extensions={"deadline": s}``.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

_active = threading.local()  # the deadline of the request this thread is working on


class ResponseTooLarge(httpx.HTTPError):
    """The body is longer than the client's ``max_bytes``."""


class _Clock:
    def __init__(self, seconds: float) -> None:
        self.total = seconds
        self.end = time.monotonic() + seconds

    def left(self, timeout: float | None, exc: type[Exception]) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise exc(f"the request took longer than its deadline of {self.total:g}s")
        return left if timeout is None else min(timeout, left)


@contextmanager
def _on(clock: _Clock) -> Iterator[None]:
    saved = getattr(_active, "clock", None)
    _active.clock = clock
    try:
        yield
    finally:
        _active.clock = saved


def _left(timeout: float | None, exc: type[Exception]) -> float | None:
    clock: _Clock | None = getattr(_active, "clock", None)
    return timeout if clock is None else clock.left(timeout, exc)


@contextmanager
def _bounded(timeout: float | None, exc: type[Exception]) -> Iterator[float | None]:
    """The wait for one socket operation; a timeout that the deadline cut short says so."""
    wait = _left(timeout, exc)
    try:
        yield wait
    except httpcore.TimeoutException:
        if wait is not None and (timeout is None or wait < timeout):
            _left(0.0, exc)  # raises with the deadline in the message when it has passed
        raise


class _Stream(httpcore.NetworkStream):
    """A socket stream whose every operation waits at most the time the request has left."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self.inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _bounded(timeout, httpcore.ReadTimeout) as wait:
            return self.inner.read(max_bytes, wait)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        with _bounded(timeout, httpcore.WriteTimeout) as wait:
            self.inner.write(buffer, wait)

    def close(self) -> None:
        self.inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        with _bounded(timeout, httpcore.ConnectTimeout) as wait:
            return _Stream(self.inner.start_tls(ssl_context, server_hostname, wait))

    def get_extra_info(self, info: str) -> Any:
        return self.inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    """httpcore's socket backend, each step bounded by the request's deadline (name resolution
    included: it runs in a helper thread that is left behind if the resolver hangs)."""

    def __init__(self) -> None:
        self.inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in _resolve(host, port, _left(timeout, httpcore.ConnectTimeout)):
            try:
                with _bounded(timeout, httpcore.ConnectTimeout) as wait:
                    stream = self.inner.connect_tcp(address, port, wait, local_address, socket_options)
                return _Stream(stream)
            except httpcore.ConnectError as exc:  # try the next address of the name
                last = exc
        raise last or httpcore.ConnectError(f"{host} has no address")

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        with _bounded(timeout, httpcore.ConnectTimeout) as wait:
            return _Stream(self.inner.connect_unix_socket(path, wait, socket_options))

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def _resolve(host: str, port: int, timeout: float | None) -> list[str]:
    """The addresses of ``host``, within ``timeout`` seconds."""
    try:
        ipaddress.ip_address(host)
        return [host]
    except ValueError:
        pass
    found: Future[list[str]] = Future()

    def run() -> None:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            found.set_result(list(dict.fromkeys(str(i[4][0]) for i in infos)))
        except OSError as exc:
            found.set_exception(exc)

    threading.Thread(target=run, name=f"resolve {host}", daemon=True).start()
    try:
        return found.result(timeout)
    except TimeoutError:
        raise httpcore.ConnectTimeout(f"resolving {host} took longer than {timeout:g}s") from None
    except OSError as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from None


class _BoundedBody(httpx.SyncByteStream):
    """A response body read under its request's deadline, at most ``max_bytes`` long."""

    def __init__(self, inner: httpx.SyncByteStream, clock: _Clock, max_bytes: int | None, url: str) -> None:
        self.inner = inner
        self.clock = clock
        self.max_bytes = max_bytes
        self.url = url

    def __iter__(self) -> Iterator[bytes]:
        chunks = iter(self.inner)
        size = 0
        while True:
            with _on(self.clock):
                chunk = next(chunks, None)
            if chunk is None:
                return
            size += len(chunk)
            if self.max_bytes is not None and size > self.max_bytes:
                raise ResponseTooLarge(f"the answer of {self.url} is larger than {self.max_bytes} bytes")
            yield chunk

    def close(self) -> None:
        self.inner.close()


class DeadlineClient(httpx.Client):
    """An ``httpx.Client`` whose every request must be complete within ``deadline`` seconds."""

    def __init__(self, deadline: float, max_bytes: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.deadline = deadline
        self.max_bytes = max_bytes
        backend = _Backend()
        for transport in (self._transport, *self._mounts.values()):
            if isinstance(transport, httpx.HTTPTransport):
                pool = getattr(transport, "_pool", None)
                if pool is None or not hasattr(pool, "_network_backend"):  # pragma: no cover - httpx changed
                    raise RuntimeError("this httpx/httpcore version cannot take a deadline backend")
                pool._network_backend = backend

    def send(self, request: httpx.Request, *, stream: bool = False, **kwargs: Any) -> httpx.Response:
        clock = _Clock(float(request.extensions.get("deadline", self.deadline)))
        with _on(clock):
            response = super().send(request, stream=True, **kwargs)
        body = response.stream
        if not isinstance(body, httpx.SyncByteStream):  # pragma: no cover - a sync client's body is sync
            raise TypeError(f"expected a synchronous response body, got {type(body).__name__}")
        response.stream = _BoundedBody(body, clock, self.max_bytes, str(request.url))
        if not stream:
            try:
                response.read()
            except BaseException:
                response.close()
                raise
        return response


def http_client(deadline: float, max_bytes: int | None = None, **kwargs: Any) -> httpx.Client:
    """An httpx client (``kwargs`` as for ``httpx.Client``; ``timeout`` defaults to ``deadline``)
    whose requests end at ``deadline`` seconds whatever the server does."""
    kwargs.setdefault("timeout", deadline)
    return DeadlineClient(deadline, max_bytes, **kwargs)
