"""Real TCP servers that misbehave the way broken or hostile HTTP servers and proxies do.

``Misbehaving(mode)`` listens on 127.0.0.1; each connection reads the request head and then:

- ``trickle-headers``: a status line and one endless header, one byte at a time
- ``trickle-500``: a complete ``500`` head announcing a large body, then the body one byte at a time
- ``trickle-body``: the same with ``200 OK``
- ``silent``: nothing, ever (the connection stays open)
- ``reset``: closes the connection with a TCP reset
- ``garbage``: bytes that are not HTTP, then closes

Trickling never ends on its own: a client without a real deadline hangs until the server stops.
"""

from __future__ import annotations

import socket
import struct
import threading
from types import TracebackType

MODES = ("trickle-headers", "trickle-500", "trickle-body", "silent", "reset", "garbage")


class Misbehaving:
    def __init__(self, mode: str, byte_every: float = 0.1) -> None:
        assert mode in MODES, mode
        self.mode = mode
        self.byte_every = byte_every
        self.connections = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._socks: list[socket.socket] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self._accept, name=f"misbehaving {mode}", daemon=True)

    def __enter__(self) -> Misbehaving:
        self._thread.start()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        with self._lock:
            for s in self._socks:
                try:
                    s.close()
                except OSError:
                    pass
        self._thread.join(5)

    def _accept(self) -> None:
        self._listener.settimeout(0.1)  # to notice close()
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            with self._lock:
                self.connections += 1
                self._socks.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            self._read_head(conn)
            if self.mode == "trickle-headers":
                conn.sendall(b"HTTP/1.1 200 OK\r\n")
                self._trickle(conn, b"X-Slow: " + b"a" * 10_000_000)
            elif self.mode in ("trickle-500", "trickle-body"):
                status = b"500 Internal Server Error" if self.mode == "trickle-500" else b"200 OK"
                conn.sendall(b"HTTP/1.1 " + status + b"\r\nContent-Length: 10000000\r\n\r\n")
                self._trickle(conn, b"x" * 10_000_000)
            elif self.mode == "silent":
                self._stop.wait()
            elif self.mode == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
            elif self.mode == "garbage":
                conn.sendall(b"\x00\xff garbage that is not HTTP \r\n\r\n")
                conn.close()
        except OSError:
            pass

    def _read_head(self, conn: socket.socket) -> None:
        data = b""
        conn.settimeout(10)
        while b"\r\n\r\n" not in data and not self._stop.is_set():
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        conn.settimeout(None)

    def _trickle(self, conn: socket.socket, payload: bytes) -> None:
        for i in range(len(payload)):
            if self._stop.wait(self.byte_every):
                return
            conn.sendall(payload[i : i + 1])
