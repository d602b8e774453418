"""The log server and the log cleaner follow a reload that changes baseLogDir or the log server port."""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path

import httpx

from autopyfactory.engine.daemon import Daemon
from autopyfactory.engine.factory import Factory, RunOptions


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(pred, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def _get(port: int, path: str) -> httpx.Response | None:
    try:
        return httpx.get(f"http://127.0.0.1:{port}{path}", timeout=10)
    except httpx.TransportError:
        return None


def _conf(etc: Path, logs: Path, port: int, state: Path) -> None:
    etc.mkdir(parents=True, exist_ok=True)
    (etc / "autopyfactory.conf").write_text(
        "[Factory]\nfactoryId = test-factory\nfactoryUser = tester\n"
        f"baseLogDir = {logs}\nbaseLogDirUrl = http://localhost:{port}\nstatedir = {state}\n"
        "logserver.enabled = True\ncleanlogs.keepdays = 3\n"
    )
    (etc / "queues.conf").write_text("[Q]\nenabled = False\n")


def test_a_reload_moves_the_log_server_and_the_cleaner_to_the_new_base_log_dir(tmp_path: Path) -> None:
    old_logs, new_logs = tmp_path / "logs-old", tmp_path / "logs-new"
    today = time.strftime("%Y-%m-%d", time.gmtime())
    for root in (old_logs, new_logs):
        (root / today / "Q").mkdir(parents=True)
        (root / today / "Q" / "1.0.out").write_text(f"served from {root.name}\n")
    (new_logs / "2000-01-01" / "Q").mkdir(parents=True)  # old enough for any keepdays
    p1, p2 = _free_port(), _free_port()
    etc = tmp_path / "etc"
    _conf(etc, old_logs, p1, tmp_path / "state")
    daemon = Daemon(Factory(RunOptions(conf=str(etc))))
    daemon.start_services()
    try:
        _wait(lambda: (r := _get(p1, f"/{today}/Q/1.0.out")) is not None and r.status_code == 200)
        assert _get(p1, f"/{today}/Q/1.0.out").text == "served from logs-old\n"  # type: ignore[union-attr]
        assert (new_logs / "2000-01-01").exists()  # not the cleaner's business yet

        _conf(etc, new_logs, p2, tmp_path / "state")
        daemon.reload()
        _wait(lambda: (r := _get(p2, f"/{today}/Q/1.0.out")) is not None and r.status_code == 200)
        assert _get(p2, f"/{today}/Q/1.0.out").text == "served from logs-new\n"  # type: ignore[union-attr]
        _wait(lambda: _get(p1, f"/{today}/Q/1.0.out") is None)  # the old port is given up
        _wait(lambda: not (new_logs / "2000-01-01").exists())  # the cleaner works on the new tree
    finally:
        daemon.shutdown()
    assert _get(p2, "/") is None


def test_the_log_server_says_at_start_where_it_serves_and_how_to_switch_it_off(
    tmp_path: Path, caplog
) -> None:  # type: ignore[no-untyped-def]
    port = _free_port()
    etc = tmp_path / "etc"
    _conf(etc, tmp_path / "logs", port, tmp_path / "state")
    daemon = Daemon(Factory(RunOptions(conf=str(etc))))
    with caplog.at_level(logging.INFO, logger="autopyfactory.logserver"):
        daemon.start_services()
    try:
        _wait(lambda: _get(port, "/") is not None)
    finally:
        daemon.shutdown()
    text = caplog.text
    assert f"log server: serving {tmp_path / 'logs'} at http://localhost:{port} (port {port}" in text
    assert "logserver.enabled = False turns it off" in text

    caplog.clear()
    (etc / "autopyfactory.conf").write_text(
        (etc / "autopyfactory.conf")
        .read_text()
        .replace("logserver.enabled = True", "logserver.enabled = False")
    )
    daemon = Daemon(Factory(RunOptions(conf=str(etc))))
    with caplog.at_level(logging.INFO, logger="autopyfactory.logserver"):
        daemon.start_services()
    daemon.shutdown()
    assert (
        f"log server: off ([Factory] logserver.enabled = False); pilot log links point at http://localhost:{port}"
        in caplog.text
    )
