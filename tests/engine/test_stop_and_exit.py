"""The real factory process stops within a bounded time and exits when it has nothing to do:

- ``--oneshot`` / ``--cycles N`` with no queue that can run exit 1 at once, saying why;
- SIGTERM while the first PanDA query hangs, or while a submission is under way, ends the
  process within ``shutdown.grace`` + a few seconds (exit 0), naming what it did not wait for;
- a second SIGTERM ends it at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.engine.test_reload_and_signals import _wait_for
from tests.net.misbehaving import Misbehaving

ROOT = Path(__file__).resolve().parents[2]
BOUND = 40.0  # generous for a loaded machine; the old behaviour took minutes or for ever
# the factory process with the test fakes registered (FakeSubmit, FakeBatch ...)
WITH_FAKES = (
    "import sys, tests.engine.fakes; from autopyfactory.cli.main import main; sys.exit(main(sys.argv[1:]))"
)


def afy(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autopyfactory", *args], capture_output=True, text=True, timeout=timeout
    )


LOCAL = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
wmsstatus.static.activated = 1
executable = /bin/sh
executable.arguments = -c "exit 0"
"""


@pytest.mark.parametrize("limit", [["--oneshot"], ["--cycles", "3"]])
def test_a_cycle_limit_with_no_queue_that_can_run_exits_1_and_says_why(conf_tree, limit: list[str]) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": LOCAL + "[ONLY]\nschedplugin = Ready, NoSuchPlugin\n"})
    r = afy("--conf", str(etc), *limit)
    assert r.returncode == 1
    assert "no queue can run" in r.stderr
    assert "ONLY: " in r.stderr and "NoSuchPlugin" in r.stderr


def test_all_queues_disabled_with_oneshot_exits_1(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": LOCAL + "[A]\nenabled = False\n[B]\nenabled = False\n"})
    r = afy("--conf", str(etc), "--oneshot")
    assert r.returncode == 1
    assert "A: enabled = False; B: enabled = False" in r.stderr


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [*args, "-v", "--log", str(log)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _stopped_within(proc: subprocess.Popen[bytes], bound: float) -> tuple[int, float]:
    t0 = time.monotonic()
    try:
        rc = proc.wait(timeout=bound)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise AssertionError(f"the factory did not stop within {bound:g}s of SIGTERM") from None
    return rc, time.monotonic() - t0


def test_sigterm_while_the_first_panda_query_hangs(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with Misbehaving("silent") as panda:
        etc = conf_tree(
            factory="shutdown.grace = 2\nwmsstatus.panda.timeout = 600\n",
            files={
                "queues.conf": LOCAL.replace("wmsstatusplugin = Static", "wmsstatusplugin = Panda")
                + f"wmsstatus.panda.url = {panda.url}\n[SITE]\n"
            },
        )
        log = tmp_path / "factory.log"
        proc = _start([sys.executable, "-m", "autopyfactory", "--conf", str(etc)], log)
        try:
            _wait_for(log, "queues running=1")
            end = time.monotonic() + 60
            while panda.connections == 0:  # the first query is under way, and will never end
                assert time.monotonic() < end, "the factory never asked PanDA"
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            rc, _ = _stopped_within(proc, BOUND)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert rc == 0
    text = log.read_text()
    assert "signal SIGTERM: stopping after in-flight submissions (at most 2s, shutdown.grace)" in text
    assert "Traceback" not in text


def _hung_submit(conf_tree, tmp_path: Path, grace: str) -> tuple[subprocess.Popen[bytes], Path]:  # type: ignore[no-untyped-def]
    etc = conf_tree(
        factory=f"shutdown.grace = {grace}\n",
        files={
            "queues.conf": "[DEFAULT]\nenabled = True\nwmsstatusplugin = Static\nbatchstatusplugin = FakeBatch\n"
            "batchsubmitplugin = FakeSubmit\nbatchsubmit.fake.delay = 3600\nschedplugin = Ready\n"
            "wmsstatus.static.activated = 3\n[Q0]\n"
        },
    )
    log = tmp_path / "factory.log"
    proc = _start([sys.executable, "-c", WITH_FAKES, "--conf", str(etc)], log)
    _wait_for(log, "fake submit queue=Q0 n=3 started")
    return proc, log


def test_sigterm_while_a_submission_hangs_exits_after_the_grace(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proc, log = _hung_submit(conf_tree, tmp_path, "1")
    try:
        proc.send_signal(signal.SIGTERM)
        rc, _ = _stopped_within(proc, BOUND)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert rc == 0
    text = log.read_text()
    assert "stopping without waiting longer for: queue=Q0 submission still under way" in text
    assert "Traceback" not in text


def test_a_second_sigterm_exits_at_once(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    proc, log = _hung_submit(conf_tree, tmp_path, "3600")
    try:
        proc.send_signal(signal.SIGTERM)
        _wait_for(log, "signal SIGTERM: stopping")
        proc.send_signal(signal.SIGTERM)
        rc, _ = _stopped_within(proc, BOUND)
    finally:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
    assert rc == 0
    assert "second SIGTERM: exiting now" in log.read_text()
