"""systemd's notify protocol: the daemon says READY, RELOADING then READY, STOPPING on a real unix
datagram socket, as systemd's Type=notify expects, and its pilots never inherit the socket."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.engine.sd_notify import ServiceNotifier, socket_address
from tests.conftest import write

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
batchsubmitplugin = Local
wmsstatus.static.activated = 1
schedplugin = Ready
sched.ready.offset = 0
executable = /bin/sh
apfqueue.sleep = 0.5

[A]
wmsqueue = A
executable.arguments = -c "echo notify_socket=${{NOTIFY_SOCKET:-unset}} > {marker}"
"""


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "notify.sock"))
    sock.settimeout(60)
    yield sock
    sock.close()


def _messages(sock: socket.socket, until: str, deadline: float = 60) -> list[str]:
    """Datagrams received until one holds ``until`` (each as its text)."""
    got: list[str] = []
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            got.append(sock.recv(4096).decode())
        except TimeoutError:
            break
        if until in got[-1].splitlines():
            return got
    raise AssertionError(f"no {until!r} within {deadline}s; got {got}")


def test_each_state_is_one_datagram_of_key_value_lines(listener: socket.socket) -> None:
    n = ServiceNotifier(listener.getsockname())
    assert n.ready("3 queue(s) running")
    assert listener.recv(4096).decode() == "READY=1\nSTATUS=3 queue(s) running"
    assert n.reloading()
    lines = listener.recv(4096).decode().splitlines()
    assert lines[0] == "RELOADING=1" and lines[1].startswith("MONOTONIC_USEC=")
    assert abs(int(lines[1].split("=")[1]) - time.monotonic_ns() // 1000) < 60_000_000
    assert n.stopping()
    assert listener.recv(4096).decode() == "STOPPING=1\nSTATUS=stopping"


def test_an_abstract_socket_address_is_used_as_systemd_gives_it() -> None:
    name = f"apf-notify-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind("\0" + name)
        sock.settimeout(10)
        env = {"NOTIFY_SOCKET": "@" + name}
        n = ServiceNotifier.from_environment(env)
        assert n.ready()
        assert sock.recv(4096) == b"READY=1"
    assert env == {}  # removed: what the factory starts does not inherit it


def test_without_a_service_manager_nothing_is_sent() -> None:
    n = ServiceNotifier.from_environment({})
    assert not n.enabled and not n.ready() and not n.stopping()
    assert socket_address("relative/path") is None and socket_address("") is None


def test_a_vanished_socket_is_logged_once_and_never_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    n = ServiceNotifier(str(tmp_path / "gone.sock"))
    with caplog.at_level(logging.WARNING):
        assert not n.ready()
        assert not n.stopping()
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        f"cannot notify the service manager at {tmp_path / 'gone.sock'}"
    ]


def test_the_factory_process_reports_ready_reloading_and_stopping(
    conf_tree, tmp_path: Path, listener: socket.socket
) -> None:  # type: ignore[no-untyped-def]
    marker = tmp_path / "pilot-env"
    etc = conf_tree(files={"queues.conf": QUEUES.format(marker=marker)})
    log = tmp_path / "factory.log"
    env = dict(os.environ, NOTIFY_SOCKET=listener.getsockname())
    proc = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "--conf", str(etc), "-v", "--log", str(log)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        assert _messages(listener, "READY=1") == ["READY=1\nSTATUS=1 queue(s) running"]
        end = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < end:
            time.sleep(0.1)
        assert marker.read_text().strip() == "notify_socket=unset"
        write(etc / "queues.conf", QUEUES.format(marker=marker) + "[B]\nwmsqueue = B\n")
        proc.send_signal(signal.SIGHUP)
        reload_msgs = _messages(listener, "READY=1")
        assert reload_msgs[0].startswith("RELOADING=1\nMONOTONIC_USEC=")
        assert reload_msgs[-1] == "READY=1\nSTATUS=2 queue(s) running"
        proc.send_signal(signal.SIGTERM)
        assert _messages(listener, "STOPPING=1")[-1] == "STOPPING=1\nSTATUS=stopping"
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
