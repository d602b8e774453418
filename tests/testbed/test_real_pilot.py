"""The real PanDA pilot (PyPI's panda-pilot, pinned in the test extras) against the testbed: it
fetches jobs, downloads the testbed's transformation, runs the payloads, reports them, and the
testbed shows them finished. (A failing payload works too, but pilot 3.7 then waits about two
minutes before its final update; exit codes are covered with the reference pilot.)

Pilot 3.7 speaks only PanDA's legacy API (/server/panda/getJob, updateJob), so that is what runs
here; the v1 pilot calls are exercised by the testbed's reference pilot (test_pilot.py).

PILOT_NOKILL is always set (realpilot.pilot_run): without it the pilot, when it exits, would send
SIGTERM to every process of this user whose parent is PID 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autopyfactory.testbed.model import Site
from autopyfactory.testbed.realpilot import (
    RealPilotError,
    default_cache,
    installed_version,
    pilot_run,
    pilot_source,
)
from autopyfactory.testbed.runner import ThreadedTestbed

# one worker runs these tests under pytest-xdist: the pilot's source is downloaded once into CACHE
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("real-pilot")]
CACHE = default_cache()


@pytest.fixture(scope="module")
def source() -> Path:
    assert installed_version() == "3.7.0.36", "the test extras pin panda-pilot==3.7.0.36"
    try:
        return pilot_source(CACHE)
    except RealPilotError as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"cannot fetch the pilot's source distribution: {exc}")


def run_pilot(
    source: Path, url: str, queue: str, workdir: Path, gtag: str
) -> subprocess.CompletedProcess[str]:
    run = pilot_run(source, url, queue, workdir, env={**os.environ, "GTAG": gtag})
    assert run.env["PILOT_NOKILL"] == "1"
    return subprocess.run(run.argv, env=run.env, cwd=workdir, capture_output=True, text=True, timeout=600)


def test_the_real_pilot_runs_testbed_jobs_until_the_queue_is_empty(source: Path, tmp_path: Path) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    with ThreadedTestbed([Site("REAL_Q", timefloor=10)]) as tb:
        ok = [
            tb.store.submit("REAL_Q", 1, f'echo "payload $0" > {marks}/job-{i}; sleep 1')[0]
            for i in (1, 2, 3)
        ]
        gtag = "http://logs.example.org/testbed/1.0.out"
        r = run_pilot(source, tb.url, "REAL_Q", tmp_path, gtag)
        log = r.stdout + r.stderr
        assert "runtestbed.sh" in log, log[-3000:]
        jobs = {i: tb.store.job(i) for i in ok}
        assert [(j.status, j.exit_code) for j in jobs.values()] == [("finished", 0)] * 3, log[-3000:]  # type: ignore[union-attr]
        assert sorted(p.name for p in marks.iterdir()) == ["job-1", "job-2", "job-3"]
        # one pilot (named by its GTAG in updateJob) ran all three: the queue's timefloor let it
        assert {j.pilot_id for j in jobs.values()} == {gtag}  # type: ignore[union-attr]
        site = tb.store.summary().site("REAL_Q")
        assert site is not None and (site.pilots, site.pilots_without_job) == (1, 0)


def test_with_timefloor_0_the_real_pilot_runs_one_job(source: Path, tmp_path: Path) -> None:
    """Through ``autopyfactory testbed real-pilot``, as docs/testbed.md shows it."""
    with ThreadedTestbed([Site("ONE_Q", timefloor=0)]) as tb:
        first, second = tb.store.submit("ONE_Q", 2, "true")
        cmd = [
            sys.executable,
            "-m",
            "autopyfactory",
            "testbed",
            "real-pilot",
            "--url",
            tb.url,
            "--queue",
            "ONE_Q",
        ]
        cmd += ["--workdir", str(tmp_path), "--cache", str(CACHE)]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, (r.stdout + r.stderr)[-3000:]
        assert (tb.store.job(first).status, tb.store.job(second).status) == ("finished", "activated"), (  # type: ignore[union-attr]
            (r.stdout + r.stderr)[-3000:]
        )


def test_the_testbed_serves_the_pilot_with_its_launcher(source: Path, tmp_path: Path) -> None:
    import io
    import tarfile

    import httpx

    from autopyfactory.testbed.realpilot import pilot_tarball

    with ThreadedTestbed([], pilot3=pilot_tarball(source)) as tb:
        r = httpx.get(f"{tb.url}/testbed/pilot3.tar.gz")
    assert r.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(r.content)) as tar:
        names = tar.getnames()
    assert {"pilot3/pilot.py", "pilot3/pilot3_launch.py", "pilot3/PILOTVERSION"} <= set(names)
    assert not [n for n in names if "__pycache__" in n]
    with ThreadedTestbed([]) as tb:
        assert httpx.get(f"{tb.url}/testbed/pilot3.tar.gz").status_code == 404
