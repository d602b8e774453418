"""Reload restarts only what changed; SIGHUP and SIGTERM work on the real daemon."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from autopyfactory.engine.factory import Factory, RunOptions
from tests.conftest import write
from tests.engine import fakes

LOCAL_QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
wmsstatus.static.activated = 1
schedplugin = Ready
executable = /bin/sh
executable.arguments = -c "exit 0"
apfqueue.sleep = 0.3
"""


def _queues(names: dict[str, str]) -> str:
    return LOCAL_QUEUES + "".join(f"\n[{n}]\nwmsqueue = {n}\n{extra}" for n, extra in names.items())


def test_reload_restarts_only_added_removed_and_changed_queues(conf_tree) -> None:  # type: ignore[no-untyped-def]
    fakes.reset()
    etc = conf_tree(files={"queues.conf": _queues({"A": "", "B": "", "C": ""})})
    f = Factory(RunOptions(conf=str(etc), services=False))
    before = dict(f.queues)
    f.run_cycle()
    write(etc / "queues.conf", _queues({"B": "wmsstatus.static.activated = 7\n", "C": "", "D": ""}))
    f.reload()
    assert sorted(f.queues) == ["B", "C", "D"]
    assert f.queues["C"] is before["C"]  # unchanged: same runtime, its state kept
    assert f.queues["C"].last_decision_at is not None
    assert f.queues["B"] is not before["B"]  # changed: restarted
    assert f.queues["D"].last_decision_at is None  # added: fresh
    f.shutdown()


def test_reload_with_a_broken_factory_file_keeps_the_running_configuration(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": ""})})
    f = Factory(RunOptions(conf=str(etc), services=False))
    (etc / "autopyfactory.conf").write_text("[Factory]\nbaseLogDir = /tmp\nbatchsubmit.concurrency = lots\n")
    f.reload()
    assert list(f.queues) == ["A"]
    f.shutdown()


def _wait_for(path: Path, text: str, timeout: float = 60, count: int = 1) -> str:
    """The file's text once ``text`` occurs in it ``count`` times."""
    end = time.time() + timeout
    while time.time() < end:
        content = path.read_text() if path.exists() else ""
        if content.count(text) >= count:
            return content
        time.sleep(0.1)
    raise AssertionError(
        f"{text!r} not {count} time(s) in {path}:\n{path.read_text() if path.exists() else ''}"
    )


def test_sighup_reloads_and_sigterm_exits_zero(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": "", "B": ""})})
    log = tmp_path / "factory.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "--conf", str(etc), "-v", "--log", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(log, "queue=B wmsqueue=B")
        write(etc / "queues.conf", _queues({"A": "", "B": "wmsstatus.static.activated = 2\n", "C": ""}))
        proc.send_signal(signal.SIGHUP)
        _wait_for(log, "reload: added=['C'] removed=[] changed=['B'] unchanged=1")
        _wait_for(log, "queue=C wmsqueue=C")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    text = log.read_text()
    assert "signal SIGTERM: stopping after in-flight submissions" in text
    assert "Traceback" not in text


def test_reload_that_raises_unexpectedly_keeps_the_running_configuration(conf_tree, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": ""})})
    f = Factory(RunOptions(conf=str(etc), services=False))

    def broken(*args: object) -> None:
        raise RuntimeError("config plugin bug")

    monkeypatch.setattr("autopyfactory.engine.factory.load", broken)
    f.reload()
    assert list(f.queues) == ["A"]
    f.shutdown()


def test_sighup_with_a_misspelled_value_keeps_the_queue_running_and_says_so(
    conf_tree, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": ""})})
    log = tmp_path / "factory.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "--conf", str(etc), "-v", "--log", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(log, "queue=A wmsqueue=A")
        write(etc / "queues.conf", _queues({"A": "wmsstatus.static.activated = one\n"}))
        proc.send_signal(signal.SIGHUP)
        text = _wait_for(log, "queues running=1 of 1 configured; on their last good configuration")
        decisions = text.count("queue=A wmsqueue=A")
        _wait_for(log, "queue=A wmsqueue=A", count=decisions + 2)  # it goes on cycling
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    text = log.read_text()
    assert "not started" not in text
    (warning,) = [ln for ln in text.splitlines() if "queue=A stale-config" in ln]
    assert "WARNING" in warning and "[A] wmsstatus.static.activated = 'one'" in warning
    assert "queues.conf" in warning and "Traceback" not in text
