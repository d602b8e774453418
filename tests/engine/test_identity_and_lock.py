"""The factory's identity and state directory cannot change under it: a reload that would change
factoryId or statedir, or that has no [Factory] section (an emptied autopyfactory.conf), is refused
and the running configuration kept; a second factory on the same state directory refuses to start.
Read-only tools do not need the lock."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from autopyfactory.engine.factory import Factory, RunOptions
from tests.engine.test_reload_and_signals import _queues, _wait_for


def afy(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autopyfactory", *args], capture_output=True, text=True, timeout=timeout
    )


@pytest.mark.parametrize(
    ("new_conf", "why"),
    [
        ("", "has no [Factory] section, or an empty one"),
        ("[Other]\nkey = value\n", "has no [Factory] section, or an empty one"),
        ("[Factory]\nfactoryId = another\n{rest}", "factoryId would change from 'test-factory' to 'another'"),
        (
            "[Factory]\nfactoryId = test-factory\n{rest_nostate}statedir = {tmp}/elsewhere\n",
            "statedir would change from",
        ),
    ],
    ids=["empty", "no-factory-section", "factoryId", "statedir"],
)
def test_a_reload_that_changes_the_identity_is_refused(
    conf_tree, tmp_path, caplog, new_conf: str, why: str
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": "", "B": ""})})
    conf = etc / "autopyfactory.conf"
    f = Factory(RunOptions(conf=str(etc), services=False))
    before = dict(f.queues)
    f.run_cycle()
    rest = "\n".join(ln for ln in conf.read_text().splitlines()[1:] if not ln.startswith("factoryId")) + "\n"
    rest_nostate = "\n".join(ln for ln in rest.splitlines() if not ln.startswith("statedir")) + "\n"
    conf.write_text(new_conf.format(rest=rest, rest_nostate=rest_nostate, tmp=tmp_path))
    with caplog.at_level(logging.ERROR, logger="autopyfactory.factory"):
        f.reload()
    assert f.settings.factory_id == "test-factory"
    assert f.settings.state_dir == tmp_path / "state"
    assert f.queues == before  # the same runtimes, untouched
    text = caplog.text
    assert "reload refused, keeping the running configuration" in text and why in text
    assert "stop the factory and start it again" in text
    f.shutdown()


def test_sighup_with_an_emptied_conf_is_refused_and_the_factory_keeps_running(
    conf_tree, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": ""})})
    log = tmp_path / "factory.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "--conf", str(etc), "-v", "--log", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(log, "queue=A wmsqueue=A")
        (etc / "autopyfactory.conf").write_text("")
        proc.send_signal(signal.SIGHUP)
        text = _wait_for(log, "reload refused, keeping the running configuration")
        cycles = text.count("queue=A wmsqueue=A")
        _wait_for(log, "queue=A wmsqueue=A", count=cycles + 2)  # still cycling
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert "factory=test-factory queues running=1" in log.read_text()


def test_a_second_factory_on_the_same_state_directory_refuses_to_start(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": _queues({"A": ""})})
    log = tmp_path / "first.log"
    first = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "--conf", str(etc), "-v", "--log", str(log)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(log, "queue=A wmsqueue=A")
        second = afy("--conf", str(etc), "--oneshot")
        assert second.returncode == 1
        assert f"is in use by another factory (pid {first.pid}" in second.stderr
        assert str(tmp_path / "state") in second.stderr
        status = afy("queue-status", "--conf", str(etc), "--json")  # read-only: no lock needed
        assert status.returncode == 0, status.stderr
        os.kill(first.pid, signal.SIGKILL)  # the kernel drops the lock with the process
        first.wait(timeout=60)
        third = afy("--conf", str(etc), "--oneshot")
        assert third.returncode == 0, third.stderr
    finally:
        if first.poll() is None:
            os.kill(first.pid, signal.SIGKILL)
