"""The log server answers every request with an HTTP status, quickly, whatever a pilot planted in the
log tree (FIFOs, sockets, link loops, absurd names), and a flood of connections cannot pile up threads."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from autopyfactory.logserver.server import LogServer


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_listening(srv: LogServer) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", srv.port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("log server not listening")


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    q = root / "2026-11-21" / "Q1"
    q.mkdir(parents=True)
    (q / "1.0.out").write_text("pilot output\n")
    os.mkfifo(q / "fifo.out")
    (q / "loop").symlink_to("loop")
    (q / "ping").symlink_to("pong")
    (q / "pong").symlink_to("ping")
    return root


@pytest.fixture
def server(tree: Path) -> Iterator[LogServer]:
    srv = LogServer(tree, _free_port(), index=True, host="127.0.0.1").start()
    _wait_listening(srv)
    yield srv
    srv.stop()


def _raw(port: int, request: bytes, timeout: float = 20.0) -> bytes:
    """The server's whole answer to a raw request (no client-side normalising of the path)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return data


def _status(data: bytes) -> int:
    line = data.split(b"\r\n", 1)[0].split()
    assert len(line) >= 2 and line[0].startswith(b"HTTP/"), f"no HTTP status line in {data[:200]!r}"
    return int(line[1])


def test_a_fifo_answers_at_once_and_blocks_no_thread(server: LogServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    with ThreadPoolExecutor(20) as pool:
        codes = list(
            pool.map(lambda _: httpx.get(f"{base}/2026-11-21/Q1/fifo.out", timeout=20).status_code, range(20))
        )
    assert set(codes) == {404}
    r = httpx.get(f"{base}/2026-11-21/Q1/1.0.out", timeout=20)
    assert r.status_code == 200 and r.text == "pilot output\n"


def test_a_socket_is_not_served(server: LogServer, tree: Path) -> None:
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(tree / "2026-11-21" / "Q1" / "sock.out"))
        assert _status(_raw(server.port, b"GET /2026-11-21/Q1/sock.out HTTP/1.0\r\n\r\n")) == 404


@pytest.mark.parametrize("path", ["/2026-11-21/Q1/loop", "/2026-11-21/Q1/ping", "/2026-11-21/Q1/loop/x"])
def test_a_symlink_loop_is_a_404(server: LogServer, path: str) -> None:
    assert _status(_raw(server.port, f"GET {path} HTTP/1.0\r\n\r\n".encode())) == 404


@pytest.mark.parametrize(
    "path",
    [
        "/" + "a" * 300,  # one name longer than any filesystem allows
        "/" + "/".join(["abcdefgh"] * 600),  # a path longer than PATH_MAX
        "/2026-11-21/" + "%41" * 400,
    ],
)
def test_an_over_long_path_is_a_414(server: LogServer, path: str) -> None:
    assert _status(_raw(server.port, f"GET {path} HTTP/1.0\r\n\r\n".encode())) == 414


@pytest.mark.parametrize("path", ["/%00", "/a%00b", "/2026-11-21/Q1/1.0.out%00.txt"])
def test_a_nul_byte_is_a_404(server: LogServer, path: str) -> None:
    assert _status(_raw(server.port, f"GET {path} HTTP/1.0\r\n\r\n".encode())) == 404


def test_a_directory_listing_shows_hostile_entries_without_opening_them(server: LogServer) -> None:
    r = httpx.get(f"http://127.0.0.1:{server.port}/2026-11-21/Q1/", timeout=20)
    assert r.status_code == 200
    assert "1.0.out" in r.text and "fifo.out" in r.text


def _server_threads() -> int:
    return sum(1 for t in threading.enumerate() if t.name.startswith("logserver"))


def test_idle_connections_cannot_pile_up_threads(tree: Path) -> None:
    srv = LogServer(tree, _free_port(), index=True, host="127.0.0.1").start()  # 16 workers
    _wait_listening(srv)
    idle: list[socket.socket] = []
    try:
        for _ in range(40):  # connect and say nothing, like a slow-loris client
            idle.append(socket.create_connection(("127.0.0.1", srv.port), timeout=20))
        # every worker is held by an idle client: the next request is refused at once, not queued
        data = _raw(srv.port, b"GET /2026-11-21/Q1/1.0.out HTTP/1.0\r\n\r\n")
        assert _status(data) == 503
        assert _server_threads() <= 16 + 2  # the workers, the refusal thread and the accept loop
    finally:
        for s in idle:
            s.close()
    # the idle clients are gone: their workers are free again
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _status(_raw(srv.port, b"GET /2026-11-21/Q1/1.0.out HTTP/1.0\r\n\r\n")) == 200:
            break
        time.sleep(0.1)
    else:
        raise AssertionError("workers never freed")
    srv.stop()


def test_a_silent_client_is_dropped_after_the_request_timeout(tree: Path) -> None:
    srv = LogServer(tree, _free_port(), host="127.0.0.1", workers=2, request_timeout=1).start()
    _wait_listening(srv)
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=30) as s:
            s.sendall(b"GET /2026-11-21/Q1/1.0.out HTTP/1.1\r\n")  # never finishes its headers
            data = s.recv(1024)  # the server gives up on it: the connection ends
            assert data == b"" or _status(data) == 408
        assert _status(_raw(srv.port, b"GET /2026-11-21/Q1/1.0.out HTTP/1.0\r\n\r\n")) == 200
    finally:
        srv.stop()
