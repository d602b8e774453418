"""The daemon's command line as operators use it."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 2
executable = /bin/sh
executable.arguments = -c "sleep 5"

[ONE]
wmsqueue = ONE
wmsstatus.static.activated = 9

[TWO]
wmsqueue = TWO
"""


def afy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "autopyfactory", *args], capture_output=True, text=True, timeout=60
    )


def test_oneshot_logs_one_decision_line_per_queue_to_the_log_file(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    log = tmp_path / "apf.log"
    r = afy("--conf", str(etc), "--oneshot", "-v", "--log", str(log))
    assert r.returncode == 0, r.stderr
    lines = [ln for ln in log.read_text().splitlines() if "queue=" in ln and "chain=" in ln]
    assert len(lines) == 2
    one = next(ln for ln in lines if "queue=ONE" in ln)
    assert "(UTC) [ INFO ]" in one
    assert "activated=9 pending=0 running=0 site=online decision=2 action='submitted 2'" in one
    assert (
        'chain="Ready:in=0,activated=9,offset=0,pending=0,ret=9;MaxPerCycle:in=9,maxpercycle=2,ret=2"' in one
    )

    status = afy("queue-status", "--conf", str(etc), "--json")
    assert status.returncode == 0, status.stderr
    counts = json.loads(status.stdout)
    assert counts["ONE"]["running"] + counts["ONE"]["pending"] == 2
    assert counts["TWO"]["running"] == 0


def test_a_broken_factory_section_stops_the_start_with_a_clear_message(conf_tree) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(factory="batchsubmit.concurrency = many\n", files={"queues.conf": QUEUES})
    r = afy("--conf", str(etc), "--oneshot")
    assert r.returncode == 1
    assert "[Factory] batchsubmit.concurrency = 'many': expected an integer >= 0" in r.stderr


def test_cycles_and_queue_sleep_are_honoured(conf_tree, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": QUEUES})
    log = tmp_path / "apf.log"
    t0 = time.monotonic()
    r = afy("--conf", str(etc), "--cycles", "3", "--queue-sleep", "0.5", "-v", "--log", str(log))
    assert r.returncode == 0, r.stderr
    assert time.monotonic() - t0 >= 1.0  # two sleeps between three cycles
    assert log.read_text().count("queue=ONE wmsqueue=ONE") == 3
    assert "ran 3 cycle(s); done" in log.read_text()
