"""Queues migrated from 2.4 with their ``executable.arguments`` (and ``executable`` left to the bundled
wrapper): the factory submits them through the Local backend, and each pilot runs with the arguments
2.4 would have given it."""

from __future__ import annotations

import json
import sys
import textwrap
import time
from dataclasses import dataclass
from typing import Any

import pytest

from autopyfactory.batch.local.backend import LocalBatch
from autopyfactory.engine.factory import Factory, RunOptions
from tests.wrapper.helpers import file_server
from tests.wrapper.test_apf24_args import PILOT
from tests.wrapper.test_pilotcode import make_tarball

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
batchsubmitplugin = Local
schedplugin = Fixed
sched.fixed.pilotspercycle = 1
apfqueue.sleep = 0
grid = OSG
vo = ATLAS
batchsubmit.local.environ = TMPDIR={scratch} APF_PYTHON={python} PILOT_RECORDS={records}
# 2.4's etc/queues.conf
executable.defaultarguments = --wrappergrid=%(grid)s --wrapperwmsqueue=%(wmsqueue)s --wrapperbatchqueue=%(batchqueue)s --wrappervo=%(vo)s --wrappertarballurl=http://dev.racf.bnl.gov/dist/wrapper/wrapper.tar.gz --wrapperserverurl=http://pandaserver.cern.ch:25080/cache/pilot --wrapperloglevel=debug

[ANALY_BNL_ATLAS_1]
wmsqueue = ANALY_BNL_ATLAS_1
batchqueue = ANALY_BNL_ATLAS_1-condor
executable.arguments = %(executable.defaultarguments)s --script=pilot.py --libcode=pilotcode.tar.gz,pilotcode-rc.tar.gz --pilotsrcurl={www}/cache --user user

[ANALY_X-runpilot3]
wmsqueue = ANALY_X
batchqueue = ANALY_X-ce
batchsubmit.local.environ = TMPDIR={scratch} APF_PYTHON={python} PILOT_RECORDS={records} PILOT_HTTP_SOURCES={www}/cache/pilotcode.tar.gz
executable.arguments = -s %(wmsqueue)s -h %(batchqueue)s -p 25443 -w https://pandaserver.cern.ch -j false -k 0 -u user

[BNL_ATLAS-atlasosg]
wmsqueue = BNL_ATLAS
batchqueue = BNL_ATLAS-ce
batchsubmit.local.environ = TMPDIR={scratch} APF_PYTHON={python} PILOT_RECORDS={records} OSG_WN_TMP={scratch}
executable.arguments = %(executable.defaultarguments)s --wrapperplugin=atlasosg --wrapperpilotcode=pilotcode --wrapperpilotcodeurl={www}/cache --wrappercheckcvmfsroot={cvmfs} -f false
"""


@dataclass
class Pilot:
    rc: int | None
    log: str  # its .out file
    record: dict[str, Any]  # what the stand-in pilot was given ({} when it did not run)


@dataclass
class Run:
    pilots: dict[str, Pilot]
    scratch: str


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    base = tmp_path_factory.mktemp("apf24")
    www, scratch, recs, etc = base / "www", base / "scratch", base / "records", base / "etc"
    for d in (www / "cache", scratch, recs, etc, base / "cvmfs" / "atlas.cern.ch" / "repo"):
        d.mkdir(parents=True)
    make_tarball(www / "cache" / "pilotcode.tar.gz", {"pilot.py": PILOT % "PR"}, top="")
    make_tarball(www / "cache" / "pilotcode-rc.tar.gz", {"pilot.py": PILOT % "RC"}, top="")
    with file_server(www) as fs:
        (etc / "autopyfactory.conf").write_text(
            textwrap.dedent(f"""
            [Factory]
            factoryId = apf24-test
            factoryUser = tester
            baseLogDir = {base}/logs
            baseLogDirUrl = http://localhost:25880
            statedir = {base}/state
            logserver.enabled = False
            batch.local.slots = 10
            """)
        )
        queues = QUEUES.format(
            scratch=scratch, python=sys.executable, records=recs, www=fs.url, cvmfs=base / "cvmfs"
        )
        (etc / "queues.conf").write_text(queues)
        factory = Factory(RunOptions(conf=str(etc), services=False))
        try:
            report = factory.run_cycle()
            assert {o.queue: o.action for o in report.outcomes} == {
                q: "submitted 1" for q in ("ANALY_BNL_ATLAS_1", "ANALY_X-runpilot3", "BNL_ATLAS-atlasosg")
            }
            backend = LocalBatch.for_dir(base / "state", 10)
            ids = {p.queue: p.id for p in backend.store.active()}
            end = time.time() + 120
            while backend.store.active() and time.time() < end:
                backend.schedule()
                time.sleep(0.1)
            pilots = {}
            day = time.strftime("%Y-%m-%d", time.gmtime())
            for queue, pid in ids.items():
                p = backend.store.get(pid)
                assert p is not None
                log = (base / "logs" / day / queue / f"{pid}.out").read_text()
                rec = recs / f"{pid}.json"
                pilots[queue] = Pilot(p.rc, log, json.loads(rec.read_text()) if rec.exists() else {})
        finally:
            factory.stop()
    return Run(pilots, str(scratch))


def test_the_queues_conf_example_queue_runs_its_pilot(run: Run) -> None:
    q = run.pilots["ANALY_BNL_ATLAS_1"]
    assert q.rc == 0, q.log
    assert q.record["argv"] == ["--user", "user"]
    assert "2.4 wrapper.sh: --libcode pilotcode.tar.gz,pilotcode-rc.tar.gz" in q.log


def test_the_runpilot3_queue_runs_its_pilot(run: Run) -> None:
    q = run.pilots["ANALY_X-runpilot3"]
    assert q.rc == 0, q.log
    rec = q.record
    assert rec["argv"] == ["-d", rec["cwd"], "-s", "ANALY_X", "-h", "ANALY_X-ce", "-p", "25443",
                           "-w", "https://pandaserver.cern.ch", "-j", "false", "-k", "0", "-u", "user"]  # fmt: skip


def test_the_atlasosg_queue_runs_its_pilot_with_2_4s_additions(run: Run) -> None:
    q = run.pilots["BNL_ATLAS-atlasosg"]
    assert q.rc == 0, q.log
    argv = q.record["argv"]
    assert argv[:6] == ["-f", "false", "-s", "BNL_ATLAS", "-h", "BNL_ATLAS-ce"]
    assert argv[6:] == ["-d", run.scratch]  # the node's $OSG_WN_TMP
