"""The pilot log server serves baseLogDir and nothing else; log cleaning honours keepdays."""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from autopyfactory.logserver.cleanlogs import clean_logs
from autopyfactory.logserver.server import LogServer, port_of


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(root: Path, index: bool, robots: bool = False) -> LogServer:
    srv = LogServer(root, _free_port(), index=index, allowrobots=robots, host="127.0.0.1").start()
    for _ in range(100):
        if srv.httpd is not None:
            break
        time.sleep(0.02)
    return srv


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "logs"
    (root / "2026-11-21" / "Q1").mkdir(parents=True)
    (root / "2026-11-21" / "Q1" / "1.0.out").write_text("pilot output\n")
    (tmp_path / "secret.txt").write_text("do not serve\n")
    (root / "escape").symlink_to(tmp_path / "secret.txt")
    return root


@pytest.fixture
def server(tree: Path) -> Iterator[str]:
    srv = _serve(tree, index=True)
    yield f"http://127.0.0.1:{srv.port}"
    srv.stop()


def test_serves_pilot_logs_as_text(server: str) -> None:
    r = httpx.get(f"{server}/2026-11-21/Q1/1.0.out")
    assert r.status_code == 200 and r.text == "pilot output\n"
    assert r.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    "path", ["/../secret.txt", "/%2e%2e/secret.txt", "/2026-11-21/../../secret.txt", "/escape"]
)
def test_nothing_outside_the_root_is_ever_served(server: str, path: str) -> None:
    with socket.create_connection(
        ("127.0.0.1", int(server.rsplit(":", 1)[1]))
    ) as s:  # raw: no client-side normalising
        s.sendall(f"GET {path} HTTP/1.0\r\n\r\n".encode())
        data = b""
        while chunk := s.recv(4096):
            data += chunk
    assert b" 404 " in data.split(b"\r\n", 1)[0]
    assert b"do not serve" not in data


def test_directory_index_and_robots(server: str) -> None:
    r = httpx.get(f"{server}/2026-11-21/Q1/")
    assert r.status_code == 200 and "1.0.out" in r.text and "AutoPyFactory at" in r.text
    assert httpx.get(f"{server}/robots.txt").text == "User-agent: *\nDisallow: /\n"


def test_index_can_be_switched_off(tree: Path) -> None:
    srv = _serve(tree, index=False)
    try:
        base = f"http://127.0.0.1:{srv.port}"
        assert httpx.get(f"{base}/2026-11-21/Q1/").status_code == 403
        assert httpx.get(f"{base}/2026-11-21/Q1/1.0.out").status_code == 200
    finally:
        srv.stop()


def test_port_comes_from_base_log_dir_url() -> None:
    assert port_of("http://host.example:25880") == 25880
    assert port_of("http://host.example") == 80
    assert port_of("https://host.example/logs") == 443


def test_clean_logs_honours_per_queue_keepdays_and_removes_empty_days(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 21)
    for day in ("2026-11-01", "2026-11-15", "2026-11-20"):
        for q in ("SHORT", "LONG"):
            (tmp_path / day / q).mkdir(parents=True)
    (tmp_path / "not-a-date").mkdir()
    keep = {"SHORT": 3, "LONG": 10}
    removed = clean_logs(tmp_path, lambda q: keep.get(q), today)
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("*/*"))
    assert left == ["2026-11-15/LONG", "2026-11-20/LONG", "2026-11-20/SHORT"]
    assert tmp_path / "2026-11-01" in removed and not (tmp_path / "2026-11-01").exists()
    assert (tmp_path / "not-a-date").exists()
    assert clean_logs(tmp_path, lambda q: None, today) == []  # no keepdays: keep forever
