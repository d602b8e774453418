"""The metrics' own HTTP port (``[Factory] metrics.port`` on ``metrics.address``): prometheus_client's
WSGI app (text or OpenMetrics as the scraper asks, gzip) behind a small threaded server with a
timeout on every socket operation and a bound on the connections served at once. If the port is
taken it tries again every ``retry`` seconds; :meth:`MetricsServer.stop` frees it."""

from __future__ import annotations

import logging
import socket
import threading
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

REQUEST_TIMEOUT = 30.0  # seconds any one socket operation with a scraper may take
CONNECTIONS = 8  # scrapes served at once; more are closed at once


class _Handler(WSGIRequestHandler):
    timeout = REQUEST_TIMEOUT

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("metrics %s - %s", self.client_address[0], format % args)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._slots = threading.BoundedSemaphore(CONNECTIONS)
        super().__init__(*args, **kwargs)

    def process_request(self, request: Any, client_address: Any) -> None:
        if self._slots.acquire(blocking=False):
            super().process_request(request, client_address)
        else:
            self.shutdown_request(request)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def _server_class(address: str, port: int) -> type[_Server]:
    """The server class for ``address``'s family (an IPv6 literal or a name that resolves to one)."""
    family = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM)[0][0]

    class Server(_Server):
        address_family = family

    return Server


class MetricsServer:
    """Serves ``registry`` on ``address:port`` from a thread of its own."""

    def __init__(self, registry: Collector, address: str, port: int, retry: float = 60.0) -> None:
        self.registry, self.address, self.port, self.retry = registry, address, port, retry
        self.httpd: _Server | None = None
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="metrics-server", daemon=True)

    def start(self) -> MetricsServer:
        self._thread.start()
        return self

    def _run(self) -> None:
        app = make_wsgi_app(self.registry)
        while not self._stop.is_set():
            try:
                httpd = make_server(
                    self.address, self.port, app, _server_class(self.address, self.port), _Handler
                )
            except OSError as exc:
                log.error(
                    "metrics: cannot listen on %s port %d (%s; [Factory] metrics.address, metrics.port); "
                    "retrying in %.0fs",
                    self.address,
                    self.port,
                    exc.strerror or exc,
                    self.retry,
                )
                self._stop.wait(self.retry)
                continue
            with self._lock:
                if self._stop.is_set():
                    httpd.server_close()
                    return
                self.httpd = httpd
            log.info("metrics: serving /metrics on %s port %d", self.address, httpd.server_port)
            httpd.serve_forever(poll_interval=0.5)
            return

    def stop(self) -> None:
        """Stop serving and free the port."""
        with self._lock:
            self._stop.set()
            httpd, self.httpd = self.httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(10)
