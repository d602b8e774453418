"""The demo's core, small: every job that can run does, few pilots go without work, the offline
site gets no pilot, the test site exactly its trickle; and Ctrl-C leaves no process behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from autopyfactory.demo.monitor import DemoMonitor, pick_port
from autopyfactory.demo.report import HEADER, printer, summary_lines
from autopyfactory.demo.run import DemoOptions, run_demo

SMALL = {
    "jobs": 40,
    "failing_jobs": 2,
    "test_jobs": 6,
    "offline_jobs": 3,
    "payload": "sleep 0.1",
    "sleep": 2.0,
    "slots": 6,
    "max_torun": 4,
    "timeout": 120.0,
}


def test_the_demo_drains_the_work_with_the_must_show_properties(tmp_path: Path) -> None:
    lines: list[str] = []
    base = tmp_path / "demo"
    base.mkdir()
    monitor = DemoMonitor(base, pick_port(0))
    monitor.start()
    try:
        opts = DemoOptions(base=base, user="tester", monitor_url=monitor.api_url, **SMALL)  # type: ignore[arg-type]
        res = run_demo(opts, printer(lines.append))
        # the demo's monitor heard every queue's last cycle (the factory reports every cycle)
        statuses = {
            q: httpx.get(f"{monitor.api_url}/labels/demo-factory:{q}").json()["status"]
            for q in (res.sites.online, res.sites.test, res.sites.offline)
        }
        dashboard = httpx.get(monitor.url + "factory/demo-factory").text
    finally:
        monitor.stop()
    assert {q: (st["state"], st["cycles"]) for q, st in statuses.items()} == {
        q: ("running", res.cycles) for q in statuses
    }
    assert statuses[res.sites.offline]["site"] == "offline" and statuses[res.sites.offline]["decision"] == 0
    assert "StatusOffline:" in statuses[res.sites.offline]["chain"]
    assert all(f'data-label="{q}"' in dashboard for q in statuses)
    s = res.sites
    assert res.drained, summary_lines(res)
    assert res.summary is not None
    runnable = (s.online, s.test)
    assert res.jobs("finished", runnable) == 40 + 6 - 2
    assert res.jobs("failed", runnable) == 2
    # pilots that found no job: at most 10% of those submitted
    assert res.submitted() > 0
    assert res.pilots_without_job <= 0.1 * res.submitted()
    # the offline site: work waiting, yet no pilot, every cycle
    assert res.summary.jobs("activated", s.offline) == 3
    assert res.submitted(s.offline) == 0
    assert res.summary.site(s.offline).pilots == 0  # type: ignore[union-attr]
    assert all(r.decision == 0 and r.site == "offline" for r in res.rows_of(s.offline))
    # the test site: exactly sched.statustest.pilots (1) in every cycle
    test_rows = res.rows_of(s.test)
    assert len(test_rows) == res.cycles
    assert all(r.site == "test" and r.submitted == 1 for r in test_rows)
    # every pilot ended (no process left), and the table was printed as cycles happened
    assert res.pilots_removed == 0
    assert lines[0] == HEADER
    assert len(lines) == 1 + 3 * res.cycles


def _processes_under(base: Path) -> list[str]:
    """Processes whose command line or working directory lies under ``base``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            cwd = os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            continue
        if str(base) in cmd or cwd.startswith(str(base)):
            found.append(f"{pid}: {cmd}")
    return found


def test_ctrl_c_stops_every_process_the_demo_started(tmp_path: Path) -> None:
    base = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "demo", "--dir", str(base), "--jobs", "100", "--payload", "sleep 1",
         "--sleep", "1", "--monitor-port", "0", "--hold"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not list(base.glob("logs/*/DEMO_ONLINE/*.out")):  # pilots are running
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert _processes_under(base)
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, out
    assert "interrupted after" in out
    assert out.startswith("demo: dashboard http://127.0.0.1:"), out  # the monitor started first
    assert _processes_under(base) == []


def test_stopping_pilots_kills_those_that_ignore_sigterm(conf_tree) -> None:  # type: ignore[no-untyped-def]
    from autopyfactory.demo.run import _backend, _stop_pilots
    from autopyfactory.engine.factory import Factory, RunOptions

    queues = """
    [Q]
    enabled = True
    wmsqueue = Q
    wmsstatusplugin = Static
    batchsubmitplugin = Local
    schedplugin = Fixed
    sched.fixed.pilotspercycle = 2
    executable = /bin/sh
    executable.arguments = -c 'trap "" TERM; echo up; sleep 60'
    """
    f = Factory(RunOptions(conf=str(conf_tree(files={"queues.conf": queues})), services=False))
    f.run_cycle()
    backend = _backend(f)
    deadline = time.monotonic() + 15
    while not all(Path(p.logdir, f"{p.id}.out").exists() and Path(p.logdir, f"{p.id}.out").read_text()
                  for p in backend.store.active()):  # fmt: skip
        assert time.monotonic() < deadline
        time.sleep(0.1)
    pids = [p.pid for p in backend.store.active()]
    assert len(pids) == 2
    assert _stop_pilots(f, wait=3.0) == 2
    assert backend.store.active() == []
    assert [pid for pid in pids if pid is not None and Path(f"/proc/{pid}").exists()] == []
    f.shutdown()


def test_the_real_pilot_option_configures_the_wrapper_for_pilot_3(tmp_path: Path) -> None:
    import configparser
    import shlex

    from autopyfactory.demo.embedded import write_tree

    conf = write_tree(tmp_path, "tester", "http://127.0.0.1:4321", sys.executable, real_pilot=True)
    cp = configparser.ConfigParser(interpolation=None)
    cp.read(conf / "cric-defaults.conf")
    d = cp["DEFAULT"]
    assert d["wrapper.pilotcode"].endswith("/testbed/pilot3.tar.gz")
    args = shlex.split(d["wrapper.pluginargs"])
    assert args[:2] == ["--pilot-entry", "pilot3_launch.py"]
    assert "http://127.0.0.1:4321/cache/schedconfig/{pandaqueue}.all.json" in args
    env = dict(w.split("=", 1) for w in shlex.split(d["batchsubmit.local.environ"]))
    assert env["PILOT_NOKILL"] == "1"
    assert env["http_proxy"] == "http://127.0.0.1:9"
    # the test site's pilots take their one job from the queue's timefloor, not a pilot option
    assert "wrapper.pluginargs" not in (conf / "queues.d" / "10-test.conf").read_text()


def test_the_dashboard_stays_up_after_the_demo_until_ctrl_c(tmp_path: Path) -> None:
    base = tmp_path / "demo"
    proc = subprocess.Popen(
        [sys.executable, "-m", "autopyfactory", "demo", "--dir", str(base), "--jobs", "6", "--test-jobs", "1",
         "--offline-jobs", "1", "--payload", "true", "--sleep", "1", "--monitor-port", "0", "--hold"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    lines: list[str] = []
    try:
        while not lines or "stays up" not in lines[-1]:  # the summary, then the hold
            line = proc.stdout.readline()
            assert line, "".join(lines)
            lines.append(line)
        url = lines[0].split()[2]
        assert lines[0].startswith("demo: dashboard http://127.0.0.1:") and url in lines[-1]
        page = httpx.get(url + "factory/demo-factory?refresh=0").text
        for site in ("DEMO_ONLINE", "DEMO_TEST", "DEMO_OFFLINE"):
            assert f'data-label="{site}"' in page
        assert 'data-config-state="running"' in page
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, "".join(lines) + out
    with pytest.raises(httpx.HTTPError):
        httpx.get(url, timeout=2)  # the monitor stopped with the demo
    assert _processes_under(base) == []
