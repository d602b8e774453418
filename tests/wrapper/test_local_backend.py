"""The real wrapper, submitted by the factory as its default executable and run by the Local backend.

One factory, one cycle, six queues (one pilot each, running concurrently): pilot code with a right
and a wrong checksum, failover from a dead URL, a failed node check, a payload stopped by SIGTERM
through the batch system, and the PanDA plugin. Everything is collected once, then asserted."""

from __future__ import annotations

import json
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from autopyfactory.batch.local.backend import LocalBatch
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from tests.wrapper.helpers import PAYLOAD, Recorder, dead_url, file_server, recorder, sha256

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Fixed
sched.fixed.pilotspercycle = 1
apfqueue.sleep = 0
monitorsection = recorder
batchsubmit.local.environ = TMPDIR={scratch} MARKER_DIR={markers} APF_PYTHON={python} APFMON_TRIES=2 APFMON_DELAY=0
wrapper.plugin = generic
wrapper.extraargs = --wrapperfetchattempts=2 --wrapperfetchbackoff=0.1
wrapper.pilotargs = 0

[GOOD]
wmsqueue = GOOD
wrapper.pilotcode = {www}/payload.py
wrapper.pilotcodechecksum = sha256:{good}

[WRONGSUM]
wmsqueue = WRONGSUM
wrapper.pilotcode = {www}/payload.py
wrapper.pilotcodechecksum = {wrong}

[FAILOVER]
wmsqueue = FAILOVER
wrapper.pilotcode = [{dead}, {www}/payload.py]
wrapper.pilotargs = 5

[BADNODE]
wmsqueue = BADNODE
wrapper.pilotcode = {www}/payload.py
wrapper.checks.disk = 1
wrapper.checks.command.scratch = test -d /no/such/scratch

[TERM]
wmsqueue = TERM
wrapper.pilotcode = {www}/payload.py
wrapper.pilotargs = wait

[PANDA]
wmsqueue = A
wrapper.plugin = panda
wrapper.pilotcode = {panda}/testbed/pilot.py
wrapper.serverurl = {panda}
wrapper.panda.queue = A-CE
wrapper.pilotargs = --retries 0 --api legacy
"""

MONITOR = """
[recorder]
monitorplugin = Dummy
monitorURL = {url}
"""


@dataclass
class Pilot:
    queue: str
    id: str
    rc: int | None
    out: str
    marker: str

    @property
    def workdir(self) -> Path:
        line = next(x for x in self.out.splitlines() if "[bootstrap] work directory: " in x)
        return Path(line.split(": ", 1)[1])


@dataclass
class Run:
    pilots: dict[str, Pilot]
    monitor: Recorder
    panda_jobs: list[tuple[str, int | None]]
    scratch: Path
    logdir: Path
    fid: str


def _wait(pred, timeout: float) -> None:  # type: ignore[no-untyped-def]
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:  # type: ignore[misc]
    import sys

    base = tmp_path_factory.mktemp("factory")
    www, scratch, markers, etc = base / "www", base / "scratch", base / "markers", base / "etc"
    for d in (www, scratch, markers, etc):
        d.mkdir()
    (www / "payload.py").write_text(PAYLOAD)
    with file_server(www) as fs, recorder() as rec, ThreadedTestbed([Site("A")]) as tb:
        jobs = tb.store.submit("A", 2, "echo panda-payload-$PandaID")
        (etc / "autopyfactory.conf").write_text(
            textwrap.dedent(f"""
            [Factory]
            factoryId = wrapper-test
            factoryUser = tester
            baseLogDir = {base}/logs
            baseLogDirUrl = http://localhost:25880
            statedir = {base}/state
            logserver.enabled = False
            monitorConf = monitor.conf
            batch.local.slots = 10
            batch.local.killgrace = 20
            """)
        )
        (etc / "monitor.conf").write_text(MONITOR.format(url=rec.url))
        (etc / "queues.conf").write_text(
            QUEUES.format(
                scratch=scratch,
                markers=markers,
                python=sys.executable,
                www=fs.url,
                dead=dead_url(),
                good=sha256(www / "payload.py"),
                wrong="f" * 64,
                panda=tb.url,
            )
        )
        factory = Factory(RunOptions(conf=str(etc), services=False))
        report = factory.run_cycle()
        assert {o.queue: o.action for o in report.outcomes} == {
            q: "submitted 1" for q in ("GOOD", "WRONGSUM", "FAILOVER", "BADNODE", "TERM", "PANDA")
        }
        backend = LocalBatch.for_dir(base / "state", 10)
        ids = {p.queue: p.id for p in backend.store.active()}
        # stop the TERM pilot through the batch system once its payload runs
        _wait(lambda: (markers / f"{ids['TERM']}.payload").exists(), 60)
        backend.remove([ids["TERM"]])
        _wait(lambda: (backend.schedule(), not backend.store.active())[1], 60)
        day = time.strftime("%Y-%m-%d", time.gmtime())
        pilots = {}
        for queue, pid in ids.items():
            p = backend.store.get(pid)
            assert p is not None
            logdir = base / "logs" / day / queue
            marker = markers / f"{pid}.payload"
            pilots[queue] = Pilot(
                queue,
                pid,
                p.rc,
                (logdir / f"{pid}.out").read_text(),
                marker.read_text() if marker.exists() else "",
            )
        factory.stop()
        panda_jobs = [(j.status, j.exit_code) for j in (tb.store.job(i) for i in jobs) if j is not None]
    return Run(pilots, rec, panda_jobs, scratch, base / "logs" / day, "wrapper-test")


def test_pilots_run_the_bundled_wrapper_by_default(run: Run) -> None:
    out = run.pilots["GOOD"].out
    assert "[bootstrap] autopyfactory wrapper bootstrap" in out
    assert "plugin generic" in out


def test_pilot_code_with_the_right_checksum_runs(run: Run) -> None:
    p = run.pilots["GOOD"]
    assert p.rc == 0
    assert p.marker.startswith("started")


def test_pilot_code_with_a_wrong_checksum_is_refused(run: Run) -> None:
    p = run.pilots["WRONGSUM"]
    assert p.rc == 82
    assert p.marker == ""
    assert "pilot code refused, no source had the expected checksum" in p.out
    assert "expected sha256 " + "f" * 64 in p.out


def test_failover_from_a_dead_url_to_a_live_one(run: Run) -> None:
    p = run.pilots["FAILOVER"]
    assert p.rc == 5  # the payload's own exit code
    assert p.marker.startswith("started")
    assert "pilot code source failed, trying the next one" in p.out


def test_sigterm_through_the_batch_system_reaches_the_payload(run: Run) -> None:
    p = run.pilots["TERM"]
    assert p.marker.splitlines()[-1] == "got SIGTERM"
    assert p.rc == 42


def test_failed_node_check_reports_fault_and_skips_the_payload(run: Run) -> None:
    p = run.pilots["BADNODE"]
    assert p.rc == 80 and p.marker == ""
    assert run.monitor.states(f"{run.fid}:{p.id}") == [("running", None), ("fault", "80")]
    profile = json.loads((run.logdir / "BADNODE" / f"{p.id}.profile.json").read_text())
    assert profile["checks_ok"] is False
    assert [(c["name"], c["ok"]) for c in profile["checks"]] == [
        ("disk", True),
        ("command:test -d /no/such/scratch", False),
    ]


def test_monitor_hears_running_then_exiting_with_each_exit_code(run: Run) -> None:
    for queue, rc in (("GOOD", "0"), ("WRONGSUM", "82"), ("FAILOVER", "5"), ("TERM", "42")):
        jid = f"{run.fid}:{run.pilots[queue].id}"
        assert run.monitor.states(jid) == [("running", None), ("exiting", rc)], queue


def test_panda_plugin_runs_the_reference_pilot_against_the_testbed(run: Run) -> None:
    p = run.pilots["PANDA"]
    assert p.rc == 0, p.out
    assert run.panda_jobs == [("finished", 0), ("finished", 0)]
    assert "panda-payload-" in p.out
    assert run.monitor.states(f"{run.fid}:{p.id}") == [("running", None), ("exiting", "0")]


def test_every_work_directory_is_removed(run: Run) -> None:
    for p in run.pilots.values():
        assert p.workdir.parent == run.scratch
        assert not p.workdir.exists()
    assert list(run.scratch.iterdir()) == []


def test_node_profiles_land_beside_the_pilot_logs(run: Run) -> None:
    p = run.pilots["GOOD"]
    profile = json.loads((run.logdir / "GOOD" / f"{p.id}.profile.json").read_text())
    assert profile["env"]["APFCID"] == p.id and profile["env"]["FACTORYQUEUE"] == "GOOD"
    assert profile["result"]["exit_code"] == 0
