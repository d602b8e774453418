"""A whole 2.4 site (tests/config/data/apf24-site): every 2.4 plugin and key in use, queues as the
AGIS generator wrote them for HTCondor-CE, ARC, CREAM and GRAM CEs, a key repeated in a [DEFAULT],
lower-case none/true, disabled queues with typos, 2.4's sysconfig command line. check-config finds
no error; a --oneshot run with that command line against a PanDA server (the testbed) and the fake
schedd submits the lines 2.4 wrote, and the queues keep 2.4's cadence."""

from __future__ import annotations

import getpass
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.batch.htcondor import schedd
from autopyfactory.cli.main import main, parse
from autopyfactory.cli.run import run_options
from autopyfactory.engine.factory import Factory
from autopyfactory.testbed.model import Site
from autopyfactory.testbed.runner import ThreadedTestbed
from tests.auth.fake_tools import install
from tests.config.site_tree import DEAD_MONITOR, FACTORY_HOST, TREE, environment, prepare, sysconfig_options
from tests.htcondor.fake_schedd import FakePool

ROOT = Path(__file__).parents[2]
GOLDEN = Path(__file__).parent / "data" / "apf24-site-submit"

# PanDA queue -> (status, activated jobs)
SITES = {
    "BNL_ATLAS_1": ("online", 40),
    "BNL_PROD": ("online", 30),
    "BNL_MCORE": ("online", 12),
    "NDGF_PROD": ("online", 10),
    "INFN_PROD": ("online", 8),
    "AGLT2_TEST": ("test", 5),
    "BNL_CLOUD": ("online", 0),
    "MWT2_PROD": ("online", 6),
}

# the pilots each queue submits in its first cycle, by 2.4's formulas (README of the tree's queues)
FIRST_CYCLE = {
    "BNL_ATLAS_1-gridgk01": 10,  # Ready 40, Scale 0.25
    "BNL_ATLAS_1-gridgk05": 10,
    "BNL_PROD-gridgk02.racf.bnl.gov": 3,  # Ready 30, Scale 0.0833..., MinPending 1
    "BNL_MCORE-gridgk03.racf.bnl.gov": 3,  # Ready 12, Scale 0.1666...67 (ceil of 2.000000000004)
    "NDGF_PROD-arc01.example.org": 2,  # Fillactivated 10, Scale
    "INFN_PROD-cream01.example.org": 2,  # WeightedActivated 8, Scale, MinPending 2
    "AGLT2_TEST-ce": 1,  # the site is in test: StatusTest's 1
    "BNL_PROD-bosco-slurm": 5,  # KeepNRunning 20, MaxPerCycle 5
    "BNL_LOCAL-pbs": 2,  # Fixed
    "BNL_LOCAL-lsf": 1,
    "BNL_PROD-follower": 3,  # Queue WMS, KeepNQueueLife 3
    "MWT2_PROD-uct2-gk.mwt2.org": 2,  # from AGIS: Ready 6, Scale 0.166666666667 (2.4 wrote 1/4/1/1.5 so)
}
NOTHING = {"BNL_TEST-null", "BNL_CLOUD-ec2", "GLOW-glidein"}  # Null; KeepNRunning none at 0; no idle VO jobs
DISABLED = {"ANALY_BNL_LOCAL-condor", "INFN_PROD-cream01-manual"}


def test_check_config_finds_no_error_and_says_what_differs(capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PANDA_URL_SSL", "https://pandaserver.cern.ch:25443")  # 2.4's PanDA client setting
    assert main(["check-config", "--conf", str(TREE), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["errors"] == 0
    assert sorted(data["queues"]) == sorted([*FIRST_CYCLE, *NOTHING, *DISABLED])
    assert {n for n, q in data["queues"].items() if not q["enabled"]} == DISABLED
    problems = [*data["problems"], *(p for q in data["queues"].values() for p in q["problems"])]
    # every queue runs 2.4's wrapper with a 2.4 line: each is shown as the bundled wrapper would run it,
    # and none is one it would refuse
    previews = [p for p in problems if p["key"] == "executable.arguments"]
    assert sorted(p["section"] for p in previews) == sorted(data["queues"])
    assert all(
        p["level"] == "info" and "runs it as written; with the bundled wrapper" in p["message"]
        for p in previews
    )
    problems = [p for p in problems if p not in previews]
    assert sorted((p["section"], p["key"]) for p in problems) == sorted(
        [
            ("DEFAULT", "sched.maxpercycle.maximum"),  # given twice in 00-defaults.conf: the later wins
            ("ANALY_BNL_LOCAL-condor", "sched.maxpercylce.maximum"),  # typo in a disabled queue
            ("ANALY_BNL_LOCAL-condor", "sched.activated.max_pilots_pending"),  # bad value, disabled queue
            ("INFN_PROD-cream01-manual", "batchsubmit.condorcream.queu"),  # typo in a disabled queue
            ("NDGF_PROD-arc01.example.org", "batchsubmit.condornordugrid.nordugridrsl"),  # 2.4 ignored it
        ]
    )
    assert all(p["level"] == "warning" for p in problems)
    values = {n: {k: v["value"] for k, v in q["values"].items()} for n, q in data["queues"].items()}
    assert values["BNL_PROD-gridgk02.racf.bnl.gov"]["sched.maxpercycle.maximum"] == "100"
    assert values["BNL_ATLAS_1-gridgk01"]["executable.arguments"].endswith("--wrapperpilottype=PR")
    assert values["INFN_PROD-cream01.example.org"]["batchsubmit.condorcream.condor_attributes"].endswith(
        ',cream_attributes = CpuNumber=8;WholeNodes=false;SMPGranularity=8;CERequirements = "other.GlueCEPolicy'
        "MaxCPUTime == 23040 && other.GlueCEPolicyMaxWallClockTime == 2880 && other.GlueHostMainMemoryRAMSize "
        '== 16000";,notification=Never'
    )


# Everything 2.4 had, by the name 2.4 gave it
PLUGINS_24 = {
    "config.queues.plugin": {"File", "Agis"},
    "wmsstatusplugin": {"Panda", "Condor", "Queue"},
    "batchstatusplugin": {"Condor"},
    "batchsubmitplugin": {
        "CondorLocal", "CondorGrid", "CondorCE", "CondorOSGCE", "CondorCREAM", "CondorNordugrid",
        "CondorGT2", "CondorGT5", "CondorPBS", "CondorLSF", "CondorEC2", "CondorSSH",
    },
    "schedplugin": {
        "Ready", "Fillactivated", "WeightedActivated", "Fixed", "Scale", "MaxPerCycle", "MinPerCycle",
        "MaxPending", "MinPending", "MaxToRun", "MaxPerFactory", "KeepNRunning", "KeepNQueueLife",
        "StatusTest", "StatusOffline", "Throttle", "Null", "Activated",
    },
    "monitorplugin": {"APF", "Dummy"},
    "plugin": {"X509", "SSH", "GSISSH"},
}  # fmt: skip


def _words(text: str) -> set[str]:
    return {w.strip() for w in re.split(r"[,\s]+", text) if w.strip()}


def test_the_tree_uses_every_2_4_plugin() -> None:
    used: dict[str, set[str]] = {k: set() for k in PLUGINS_24}
    for f in [*TREE.glob("*.conf"), *TREE.glob("queues.d/*.conf")]:
        for line in f.read_text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip() in used:
                used[key.strip()] |= _words(value)
    for key, names in PLUGINS_24.items():
        assert names <= used[key], (key, names - used[key])


# the keys of the 2.4 reference (apf-2.4-behaviour.md §2-§4), families by one member
KEYS_24 = """
factoryId factoryAdminEmail factorySMTPServer factoryMinEmailRepeatSeconds factoryUser enablequeues queueConf
queueDirConf authmanager.enabled authmanager.sleep authConf proxymanager.enabled proxymanager.sleep proxyConf
monitorConf mappingsConf cycles cleanlogs.keepdays factory.sleep wmsstatus.panda.sleep wmsstatus.panda.maxage
wmsstatus.condor.sleep wmsstatus.condor.maxage wmsstatus.queue.sleep wmsstatus.queue.maxage batchstatus.condor.sleep
batchstatus.condor.maxage baseLogDir baseLogDirUrl logserver.enabled logserver.index logserver.allowrobots
config.reconfig config.reconfig.interval config.queues.plugin config.auth.plugin config.queues.agis.baseurl
config.queues.agis.sleep config.queues.agis.vos config.queues.agis.clouds config.queues.agis.activities
config.queues.agis.pilotmanager config.queues.agis.defaultsfiles config.queues.agis.jobsperpilot
config.queues.agis.numfactories maxperfactory.maximum abort_no_queues monitor monitor.section monitor.interval
enabled wmsqueue batchqueue vo grid status cloud override autofill apfqueue.sleep wmsstatusplugin
batchstatusplugin batchsubmitplugin schedplugin monitorsection executable executable.arguments
executable.defaultarguments sched.ready.offset sched.fillactivated.default sched.weightedactivated.activated
sched.weightedactivated.pending sched.fixed.pilotspercycle sched.scale.factor sched.maxpercycle.maximum
sched.minpercycle.minimum sched.maxpending.maximum sched.maxpending.allow_negative sched.minpending.minimum
sched.maxtorun.maximum sched.keepnrunning.keep_running sched.keepnqueuelife.njobs sched.statustest.pilots
sched.statusoffline.pilots sched.throttle.interval sched.throttle.maxtime sched.throttle.ratio
sched.throttle.submit wmsstatus.condor.scheddhost wmsstatus.condor.scheddport wmsstatus.condor.collectorhost
wmsstatus.condor.collectorport wmsstatus.condor.queueskey wmsstatus.condor.password_file wmsstatus.queue.qname
batchstatus.condor.scheddhost batchstatus.condor.scheddport batchstatus.condor.collectorhost
batchstatus.condor.collectorport batchstatus.condor.queryargs batchsubmit.condorgt2.submitargs
batchsubmit.condorgt2.environ batchsubmit.condorosgce.condor_attributes
batchsubmit.condorosgce.condor_attributes.+maxMemory batchsubmit.condorgt2.proxy batchsubmit.condorgrid.proxyfile
batchsubmit.condorgt2.killorder batchsubmit.condorgt2.peaceful batchsubmit.condorosgce.overlay.peaceful
batchsubmit.condorosgce.overlay.killorder batchsubmit.condorgt2.gridresource batchsubmit.condorcream.webservice
batchsubmit.condorcream.port batchsubmit.condorcream.batch batchsubmit.condorcream.gridresource
batchsubmit.condorosgce.gridresource batchsubmit.condorosgce.port globusrsl.gram2.queue globusrsl.gram2.globusrsladd
globusrsl.gram5.globusrsl batchsubmit.condornordugrid.gridresource nordugridrsl.queue nordugridrsl.nordugridrsladd
nordugridrsl.addenv.RUCIO_ACCOUNT batchsubmit.condorec2.gridresource batchsubmit.condorec2.ami_id
batchsubmit.condorec2.instance_type batchsubmit.condorec2.security_groups batchsubmit.condorec2.spot_price
batchsubmit.condorec2.user_data batchsubmit.condorec2.user_data_file batchsubmit.condorec2.access_key_id
batchsubmit.condorec2.secret_access_key batchsubmit.condorec2.usessh batchsubmit.condorec2.peaceful
batchsubmit.condorssh.batch batchsubmit.condorssh.host batchsubmit.condorssh.port batchsubmit.condorssh.user
batchsubmit.condorssh.authprofile plugin authbasedir x509.baseproxy x509.flavor x509.usercert x509.userkey
x509.lifetime x509.checktime x509.minlife x509.interruptcheck x509.initdelay x509.renew x509.owner x509.vorole
x509.proxyfile x509.myproxy_hostname x509.myproxy_username x509.myproxy_passphrase x509.retriever_list
x509.voms.args x509.remote_host x509.remote_user x509.remote_owner x509.remote_group ssh.type ssh.publickey
ssh.privatekey ssh.publickeyfile ssh.privatekeyfile ssh.privkeypass ssh.privkeypassfile ssh.passwordfile
monitorplugin monitorURL
baseproxy flavor usercert userkey lifetime checktime minlife interruptcheck renew vorole proxyfile
"""


def test_the_tree_sets_every_2_4_key() -> None:
    keys: set[str] = set()
    for f in [*TREE.glob("*.conf"), *TREE.glob("queues.d/*.conf")]:
        for line in f.read_text().splitlines():
            key, sep, _ = line.partition("=")
            if sep and not line.startswith((" ", "\t", "#", ";")):
                keys.add(key.strip())
    missing = set(KEYS_24.split()) - keys
    assert not missing, sorted(missing)


@pytest.fixture(scope="module")
def panda() -> Iterator[ThreadedTestbed]:
    with ThreadedTestbed([Site(name, status) for name, (status, _) in SITES.items()]) as tb:
        for name, (_, jobs) in SITES.items():
            if jobs:
                tb.store.submit(name, jobs, "true")
        yield tb


@pytest.fixture
def site(tmp_path: Path, panda: ThreadedTestbed) -> tuple[Path, Path, dict[str, str]]:
    etc, user_home = prepare(tmp_path, panda.url)
    install(tmp_path / "grid-bin")
    return etc, user_home, environment(user_home, tmp_path / "grid-bin")


def command_line(etc: Path, log: Path) -> list[str]:
    """2.4's init script line with the tree's sysconfig OPTIONS; the user and the log file are this
    machine's (the site's user does not exist here), and --oneshot to run one cycle."""
    options = [
        f"--runas={getpass.getuser()}"
        if o.startswith("--runas=")
        else f"--log={log}"
        if o.startswith("--log=")
        else o
        for o in sysconfig_options()
    ]
    assert [o.split("=")[0] for o in options] == ["--sleep", "--runas", "--log"]
    return ["--conf", str(etc / "autopyfactory.conf"), *options, "--oneshot"]


def normalised(text: str, tmp: Path, user_home: Path) -> str:
    """A submit file as it would read at the site (its paths, URLs and the day as YYYY-MM-DD)."""
    text = text.replace(str(tmp / "logs"), "/home/autopyfactory/factory/logs")
    text = text.replace(str(user_home), "/home/autopyfactory")
    text = text.replace(f"http://{FACTORY_HOST}:25880", "http://apf.example.org:25880")
    text = text.replace(DEAD_MONITOR, "http://apfmon.lancs.ac.uk/api")
    return re.sub(r"/\d{4}-\d\d-\d\d/", "/YYYY-MM-DD/", text)


@pytest.mark.slow
def test_a_oneshot_with_the_sysconfig_command_line_submits_2_4s_lines(
    site: tuple[Path, Path, dict[str, str]], tmp_path: Path
) -> None:
    etc, user_home, env = site
    log = tmp_path / "autopyfactory.log"
    submits = tmp_path / "submits.jsonl"
    r = subprocess.run(
        [sys.executable, "-m", "tests.config.site_factory", str(submits), *command_line(etc, log)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert r.returncode == 0, r.stdout + r.stderr + log.read_text()
    assert "Traceback" not in log.read_text()
    records = [json.loads(line) for line in submits.read_text().splitlines()]
    by_queue: dict[str, Any] = {}
    for rec in records:
        (queue,) = set(re.findall(r'MY\.MATCH_APF_QUEUE = "([^"]+)"', rec["submit"]))
        by_queue[queue] = rec
    assert {q: rec["count"] for q, rec in by_queue.items()} == FIRST_CYCLE
    for q, rec in by_queue.items():
        for jid, ad in rec["jobs"].items():
            assert ad["FACTORY_JOBID"] == f"{FACTORY_HOST}#{jid}", q
    day_dirs = list((tmp_path / "logs").iterdir())
    assert len(day_dirs) == 1
    GOLDEN.mkdir(exist_ok=True)
    for q in FIRST_CYCLE:
        text = normalised((day_dirs[0] / q / "submit.jdl").read_text(), tmp_path, user_home)
        golden = GOLDEN / f"{q}.jdl"
        if os.environ.get("APF_UPDATE_GOLDEN") == "1":
            golden.write_text(text)
        assert text == golden.read_text(), q


def test_the_sysconfig_command_line_keeps_every_queue_at_its_apfqueue_sleep(
    site: tuple[Path, Path, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc, _, env = site
    for k in ("HOME", "PATH", "FAKE_GRID_LOG", "HOSTNAME"):
        monkeypatch.setenv(k, env[k])
    args, _ = parse(command_line(etc, tmp_path / "apf.log")[:-1])  # the daemon's line, no --oneshot
    opts = run_options(args)
    assert opts.sleep is None and opts.cycles is None
    previous = schedd.set_connector(FakePool())
    f = Factory(opts)
    try:
        sleeps = {n: rt.sleep for n, rt in f.queues.items()}
        assert sleeps["BNL_ATLAS_1-gridgk01"] == 360  # queues.conf
        assert sleeps["BNL_PROD-gridgk02.racf.bnl.gov"] == 310  # queues.d/00-defaults.conf
        assert sleeps["MWT2_PROD-uct2-gk.mwt2.org"] == 120  # agisdefaults.conf
        assert 60 not in sleeps.values()
        first = f.run_cycle()
        assert {o.queue for o in first.outcomes} == set(f.queues)
        assert f.run_cycle(now=time.time() + 60).outcomes == []  # --sleep=60 changed nothing
        due = f.run_cycle(now=time.time() + 125).outcomes
        assert [o.queue for o in due] == ["MWT2_PROD-uct2-gk.mwt2.org"]
    finally:
        f.shutdown()
        schedd.set_connector(previous)
