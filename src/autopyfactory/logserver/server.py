"""The built-in pilot log server: ``baseLogDir`` over HTTP on the port of ``baseLogDirUrl``.

Nothing outside ``baseLogDir`` is ever served, and only regular files and directories are (see
:mod:`autopyfactory.logserver.resolve`). Requests are answered by a fixed number of worker threads;
a connection arriving while all of them are busy is answered ``503`` by one small refusal thread
(or just closed when even that is backed up), so no client can make the server pile up threads."""

from __future__ import annotations

import logging
import os
import select
import socket
import threading
import urllib.parse
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from http.server import HTTPServer
from pathlib import Path
from typing import Any

from autopyfactory.logserver.handler import LogRequestHandler

log = logging.getLogger(__name__)

WORKERS = 16
REQUEST_TIMEOUT = 30.0  # seconds any one socket operation with a client may take
TRANSFER_DEADLINE = 600.0  # seconds one answer may take in all
REFUSALS_QUEUED = 64
REFUSE_WAIT = 0.05  # seconds the refusal thread waits for a busy-time client's request
BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 27\r\n"
    b"Retry-After: 5\r\nConnection: close\r\n\r\nlog server busy, try again\n"
)


# a page served at a fixed path instead of a file (the factory's /metrics): (body, content type)
Page = Callable[[], tuple[bytes, str]]


def port_of(url: str) -> int:
    """The port of ``baseLogDirUrl``: explicit, else 80 for http and 443 for https."""
    p = urllib.parse.urlsplit(url)
    if p.port:
        return p.port
    return 443 if p.scheme == "https" else 80


class LogHTTPServer(HTTPServer):
    """The pilot log HTTP server: files under ``baseLogDir``, each client on its own worker thread (a bounded
    number)."""

    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        root: Path,
        port: int,
        index: bool,
        allowrobots: bool,
        host: str = "",
        workers: int = WORKERS,
        request_timeout: float = REQUEST_TIMEOUT,
        transfer_deadline: float = TRANSFER_DEADLINE,
        pages: Mapping[str, Page] | None = None,
    ) -> None:
        root.mkdir(parents=True, exist_ok=True)
        self.root = os.path.realpath(root)
        self.pages: Mapping[str, Page] = dict(pages or {})
        self.index = index
        self.allowrobots = allowrobots
        self.request_timeout = request_timeout
        self.transfer_deadline = transfer_deadline
        self._slots = threading.BoundedSemaphore(max(1, workers))
        self._refusals = threading.BoundedSemaphore(REFUSALS_QUEUED)
        self._pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="logserver-worker")
        self._refuser = ThreadPoolExecutor(1, thread_name_prefix="logserver-refuse")
        super().__init__((host, port), LogRequestHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._slots.acquire(blocking=False):
            self._pool.submit(self._work, request, client_address)
        elif self._refusals.acquire(blocking=False):
            self._refuser.submit(self._refuse, request)
        else:
            self.shutdown_request(request)

    def _work(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            self._slots.release()

    def _refuse(self, request: socket.socket) -> None:
        """Answer 503 and close. What the client sent within a moment is read first, so the close
        is clean (unread input would make it a reset that can lose the answer); a silent client
        costs this thread at most that moment."""
        try:
            if select.select([request], [], [], REFUSE_WAIT)[0]:
                request.setblocking(False)
                try:
                    request.recv(65536)
                except OSError:
                    pass
            request.setblocking(True)
            request.settimeout(REFUSE_WAIT)
            request.sendall(BUSY)
        except (OSError, ValueError):
            pass
        finally:
            self.shutdown_request(request)
            self._refusals.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.exception("logserver: error answering %s", client_address)

    def server_close(self) -> None:
        super().server_close()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._refuser.shutdown(wait=False, cancel_futures=True)


class LogServer:
    """Runs the log server in a thread; if the port is taken it retries every ``retry`` seconds.
    ``pages``: paths answered by a :data:`Page` instead of a file (``/metrics``)."""

    def __init__(
        self,
        root: Path,
        port: int,
        index: bool = True,
        allowrobots: bool = False,
        host: str = "",
        retry: float = 60.0,
        workers: int = WORKERS,
        request_timeout: float = REQUEST_TIMEOUT,
        pages: Mapping[str, Page] | None = None,
    ) -> None:
        self.root, self.port, self.index, self.allowrobots, self.host = root, port, index, allowrobots, host
        self.retry, self.workers, self.request_timeout = retry, workers, request_timeout
        self.pages = dict(pages or {})
        self.httpd: LogHTTPServer | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="logserver", daemon=True)

    def start(self) -> LogServer:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                httpd = LogHTTPServer(
                    self.root,
                    self.port,
                    self.index,
                    self.allowrobots,
                    self.host,
                    self.workers,
                    self.request_timeout,
                    pages=self.pages,
                )
            except OSError as exc:
                log.error(
                    "log server cannot listen on port %d (%s); retrying in %.0fs",
                    self.port,
                    exc.strerror,
                    self.retry,
                )
                self._stop.wait(self.retry)
                continue
            with self._lock:
                if self._stop.is_set():  # stopped while it was being set up
                    httpd.server_close()
                    return
                self.httpd = httpd
            log.info("log server serving %s on port %d", self.root, httpd.server_port)
            httpd.serve_forever(poll_interval=0.5)
            return

    def stop(self) -> None:
        """Stop serving and release the port (returns once the port is free)."""
        with self._lock:
            self._stop.set()
            httpd = self.httpd
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(10)
