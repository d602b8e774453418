"""Misbehaving network servers on real sockets, one per port, with a mode that can change while
the factory runs. Every connection is recorded (opened, request seen, closed by the client), so a
test can prove from the server side that no call of the factory outlived its bound.

Modes:
  ok               answers ``routes`` (path -> (status, body)) at once
  blackhole        never completes the TCP handshake (full accept queue): connect hangs
  hang             accepts, reads the request, never answers
  trickle_headers  ``HTTP/1.1 200 OK`` then one header byte every ``interval`` seconds, forever
  trickle_body     200 with a huge Content-Length, one body byte every ``interval`` seconds
  trickle_500      the same as a 500 (an error page that never ends)
  reset            reads the request, then resets the connection (RST)
  garbage          answers bytes that are not HTTP, then closes
  http500          a well-formed, immediate 500
"""

from __future__ import annotations

import random
import select
import socket
import struct
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from tests.invariants.timing import Span

MODES = (
    "ok", "blackhole", "hang", "trickle_headers", "trickle_body", "trickle_500", "reset", "garbage", "http500",
)  # fmt: skip


@dataclass
class Conn:
    mode: str
    opened: float  # time.monotonic()
    path: str = ""
    closed: float | None = None  # when the client closed (or the server finished answering)
    by_client: bool = False

    def span(self, name: str) -> Span:
        return Span(
            f"{name}: a {self.mode} connection ({self.path or 'no request'})", self.opened, self.closed
        )


class FaultServer:
    def __init__(
        self,
        mode: str,
        routes: Mapping[str, tuple[int, bytes]] | None = None,
        name: str = "server",
        interval: float = 0.1,
        seed: int = 0,
        path_modes: Mapping[str, str] | None = None,
    ) -> None:
        assert mode in MODES, mode
        self.mode, self.name, self.interval = mode, name, interval
        self.routes = dict(routes or {})
        self.path_modes = dict(path_modes or {})  # request path -> mode, overriding ``mode``
        self.conns: list[Conn] = []
        self._rng = random.Random(seed)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._filler: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._open: list[socket.socket] = []
        if mode == "blackhole":
            # backlog 0 with one connection nobody accepts: every further SYN is dropped
            self._sock.listen(0)
            self._filler = socket.create_connection(("127.0.0.1", self.port))
        else:
            self._sock.listen(64)
            t = threading.Thread(target=self._accept_loop, name=f"{name}-accept", daemon=True)
            self._threads.append(t)

    def __enter__(self) -> FaultServer:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        for s in [self._sock, *([self._filler] if self._filler else []), *self._open]:
            try:
                s.close()
            except OSError:
                pass

    def spans(self) -> list[Span]:
        with self._lock:
            return [c.span(self.name) for c in self.conns]

    def requests(self) -> int:
        with self._lock:
            return len(self.conns)

    # -- serving ------------------------------------------------------------------------------
    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                r, _, _ = select.select([self._sock], [], [], 0.1)
                if not r:
                    continue
                conn, _ = self._sock.accept()
            except OSError:
                return
            rec = Conn(self.mode, time.monotonic())
            with self._lock:
                self.conns.append(rec)
                self._open.append(conn)
            threading.Thread(
                target=self._serve, args=(conn, rec), name=f"{self.name}-conn", daemon=True
            ).start()

    def _serve(self, conn: socket.socket, rec: Conn) -> None:
        try:
            rec.path = self._read_request(conn)
            rec.mode = self.path_modes.get(rec.path, rec.mode)
            handler = getattr(self, f"_mode_{rec.mode}")
            by_client = handler(conn, rec)
            rec.by_client = bool(by_client)
        except OSError:
            rec.by_client = True
        finally:
            rec.closed = time.monotonic()
            try:
                conn.close()
            except OSError:
                pass

    def _read_request(self, conn: socket.socket) -> str:
        data = b""
        conn.settimeout(30)
        while b"\r\n\r\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                break
            data += chunk
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        parts = line.split()
        return parts[1].split("?", 1)[0] if len(parts) > 1 else ""

    def _client_gone(self, conn: socket.socket, wait: float) -> bool:
        """Wait up to ``wait`` seconds; True when the client closed its end meanwhile."""
        r, _, _ = select.select([conn], [], [], wait)
        if not r:
            return self._stop.is_set()
        try:
            return conn.recv(4096) == b""
        except OSError:
            return True

    def _trickle(self, conn: socket.socket, head: bytes, byte: bytes) -> bool:
        conn.sendall(head)
        while True:
            if self._client_gone(conn, self.interval):
                return True
            conn.sendall(byte)

    def _mode_ok(self, conn: socket.socket, rec: Conn) -> bool:
        status, body = self.routes.get(rec.path, (404, b"not found"))
        conn.sendall(_response(status, body))
        return False

    def _mode_hang(self, conn: socket.socket, rec: Conn) -> bool:
        while not self._client_gone(conn, 0.5):
            pass
        return True

    def _mode_trickle_headers(self, conn: socket.socket, rec: Conn) -> bool:
        return self._trickle(conn, b"HTTP/1.1 200 OK\r\nX-Trickle: ", b"a")

    def _mode_trickle_body(self, conn: socket.socket, rec: Conn) -> bool:
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{"
        return self._trickle(conn, head, b" ")

    def _mode_trickle_500(self, conn: socket.socket, rec: Conn) -> bool:
        head = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html\r\nContent-Length: 1000000000\r\n\r\n"
        return self._trickle(conn, head + b"<html>", b"x")

    def _mode_reset(self, conn: socket.socket, rec: Conn) -> bool:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        return False

    def _mode_garbage(self, conn: socket.socket, rec: Conn) -> bool:
        conn.sendall(b"\x00\xffSSH-2.0-garbage\r\n" + self._rng.randbytes(512) + b"\r\n\r\n")
        return False

    def _mode_http500(self, conn: socket.socket, rec: Conn) -> bool:
        conn.sendall(_response(500, b"<html>Internal Server Error</html>"))
        return False


def _response(status: int, body: bytes) -> bytes:
    reason = {200: "OK", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Status")
    return (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        "Connection: close\r\n\r\n"
    ).encode() + body
