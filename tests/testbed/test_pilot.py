"""The reference pilot: asks, runs, reports running then finished/failed with the exit code, repeats,
and exits 0 when there is no job for it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed

PILOT = Path(__file__).resolve().parents[2] / "src" / "autopyfactory" / "testbed" / "pilot.py"


@pytest.fixture
def tb() -> Iterator[ThreadedTestbed]:
    with ThreadedTestbed([Site("A")]) as t:
        yield t


def pilot(url: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-I",
            str(PILOT),
            "-s",
            "A",
            "-r",
            "A",
            "-q",
            "A-CE",
            "--url",
            url,
            "--retries",
            "0",
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


@pytest.mark.parametrize("api", ["v1", "legacy"])
def test_runs_every_job_reports_exit_codes_and_exits_0_when_none_is_left(tb, api) -> None:  # type: ignore[no-untyped-def]
    ok = tb.store.submit("A", 2, 'echo payload-output; test -n "$PandaID"')
    bad = tb.store.submit("A", 1, "exit 7")
    r = pilot(tb.url, "--api", api)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "payload-output" in r.stdout
    assert [tb.store.job(i).status for i in ok] == ["finished", "finished"]  # type: ignore[union-attr]
    assert [tb.store.job(i).exit_code for i in ok] == [0, 0]  # type: ignore[union-attr]
    assert (tb.store.job(bad[0]).status, tb.store.job(bad[0]).exit_code) == ("failed", 7)  # type: ignore[union-attr]
    assert "ran 3 job(s)" in r.stdout


def test_max_jobs_and_the_pilot_identity_from_the_factory(tb) -> None:  # type: ignore[no-untyped-def]
    tb.store.submit("A", 3, "true")
    r = pilot(tb.url, "--max-jobs", "2", env={"APFFID": "fac", "APFCID": "12.0", "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0
    s = tb.store.summary()
    assert s.jobs("finished") == 2
    assert s.jobs("activated") == 1
    assert tb.store.job(1).pilot_id == "fac:12.0"  # type: ignore[union-attr]


def test_a_pilot_that_finds_no_job_is_counted_by_the_server(tb) -> None:  # type: ignore[no-untyped-def]
    r = pilot(tb.url)
    assert r.returncode == 0
    assert "this pilot found none" in r.stdout
    assert tb.store.summary().site("A").pilots_without_job == 1  # type: ignore[union-attr]


def test_unreachable_server_exits_3() -> None:
    r = pilot("http://127.0.0.1:9")
    assert r.returncode == 3
    assert "cannot get a job" in r.stdout


def test_sigterm_stops_the_payload_and_reports_the_job_failed(tb) -> None:  # type: ignore[no-untyped-def]
    (pid,) = tb.store.submit("A", 1, "sleep 60")
    proc = subprocess.Popen(
        [sys.executable, "-I", str(PILOT), "-s", "A", "-r", "A", "-q", "A", "--url", tb.url],
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while tb.store.job(pid).status != "running":  # type: ignore[union-attr]
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 128 + signal.SIGTERM
    job = tb.store.job(pid)
    assert job is not None
    assert (job.status, job.exit_code) == ("failed", 128 + signal.SIGTERM)
