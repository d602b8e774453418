"""The glidein plugin: condor_config generation, lifetime rules, and a run with a fake condor_master."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from autopyfactory.wrapper.stage import exitcodes as ec
from autopyfactory.wrapper.stage.context import StageContext
from autopyfactory.wrapper.stage.exitcodes import StageError
from autopyfactory.wrapper.stage.glidein.config import GlideinSettings, render
from autopyfactory.wrapper.stage.glidein.lifetime import IDLE, WALLTIME, ExecuteDirProbe, Lifetime
from autopyfactory.wrapper.stage.options import parse
from autopyfactory.wrapper.stage.payload import Forwarder
from autopyfactory.wrapper.stage.plugins.glidein import GlideinPlugin
from autopyfactory.wrapper.stage.runner import execute
from tests.wrapper.helpers import file_server, sha256
from tests.wrapper.test_pilotcode import make_tarball


def settings(**kw: object) -> GlideinSettings:
    base: dict[str, object] = dict(
        release_dir="/opt/condor", local_dir="/scratch/g", collector="cm.example.org:9618", auth="token",
        start_time=1_000_000, token_dir="/scratch/g/tokens.d", cpus=8, memory_mb=16000,
        max_idle=600, max_walltime=7200, retire=1800,
    )  # fmt: skip
    base.update(kw)
    return GlideinSettings(**base)  # type: ignore[arg-type]


def conf(text: str) -> dict[str, str]:
    out = {}
    for line in text.splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out


def test_token_glidein_config_joins_the_collector_with_lifetime_limits() -> None:
    c = conf(render(settings(attrs={"GLIDEIN_Site": '"UW"'})))
    assert c["COLLECTOR_HOST"] == "cm.example.org:9618" and c["CONDOR_HOST"] == "cm.example.org"
    assert c["CCB_ADDRESS"] == "$(COLLECTOR_HOST)"
    assert c["DAEMON_LIST"] == "MASTER, STARTD"
    assert c["SEC_DEFAULT_AUTHENTICATION_METHODS"] == "IDTOKENS"
    assert c["SEC_TOKEN_DIRECTORY"] == "/scratch/g/tokens.d"
    assert (c["GLIDEIN_Max_Idle"], c["GLIDEIN_Max_Walltime"]) == ("600", "7200")
    assert (c["GLIDEIN_ToDie"], c["GLIDEIN_ToRetire"]) == ("1007200", "1005400")
    assert c["STARTD_NOCLAIM_SHUTDOWN"] == "$(GLIDEIN_Max_Idle)"
    assert c["START"] == "(True) && (time() < $(GLIDEIN_ToRetire))"
    assert c["SLOT_TYPE_1_PARTITIONABLE"] == "True" and c["NUM_CPUS"] == "8"
    assert c["GLIDEIN_Site"] == '"UW"' and "GLIDEIN_Site" in c["STARTD_ATTRS"].split()


def test_gsi_and_static_slots() -> None:
    c = conf(render(settings(auth="gsi", token_dir="", gsi_proxy="/tmp/x509up", layout="static", ccb=False)))
    assert c["SEC_DEFAULT_AUTHENTICATION_METHODS"] == "GSI" and c["GSI_DAEMON_PROXY"] == "/tmp/x509up"
    assert "SEC_TOKEN_DIRECTORY" not in c and "CCB_ADDRESS" not in c
    assert c["NUM_SLOTS_TYPE_1"] == "8" and c["SLOT_TYPE_1"] == "cpus=1, memory=2000"


@pytest.mark.parametrize(
    "bad",
    [
        {"collector": "cm.example.org\nSTART = True"},
        {"collector": "cm example"},
        {"attrs": {"Bad Name": "1"}},
        {"attrs": {"Ok": "1\nKILL = True"}},
        {"start_expr": "True\nPREEMPT = True"},
        {"layout": "dynamic"},
        {"retire": 7200},
        {"auth": "none"},
        {"extra": ["NOT A SETTING"]},
    ],
)
def test_settings_that_would_break_or_inject_config_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(StageError) as exc:
        render(settings(**bad))
    assert exc.value.code == ec.USAGE


def test_lifetime_ends_at_the_walltime_even_when_busy() -> None:
    life = Lifetime(started=0, max_idle=100, max_walltime=1000)
    assert life.observe(500, busy=True) is None
    assert life.observe(999, busy=True) is None
    assert life.observe(1000, busy=True) == WALLTIME


def test_lifetime_idle_clock_restarts_after_each_busy_period() -> None:
    life = Lifetime(started=0, max_idle=100, max_walltime=10_000)
    assert life.observe(50, busy=False) is None
    assert life.observe(99, busy=False) is None
    assert life.observe(100, busy=False) == IDLE
    life = Lifetime(started=0, max_idle=100, max_walltime=10_000)
    assert life.observe(90, busy=True) is None
    assert life.observe(150, busy=False) is None  # idle for 60 s only
    assert life.observe(190, busy=False) == IDLE
    assert Lifetime(0, None, None).observe(10**9, busy=False) is None


def test_execute_dir_probe(tmp_path: Path) -> None:
    probe = ExecuteDirProbe(str(tmp_path / "execute"))
    assert not probe.busy()  # missing directory: not busy
    (tmp_path / "execute").mkdir()
    assert not probe.busy()
    (tmp_path / "execute" / "dir_123").mkdir()
    assert probe.busy()


FAKE_MASTER = """\
import os, signal, sys, time
record = os.environ["FAKE_MASTER_RECORD"]
def note(text):
    with open(record, "a") as f:
        f.write(text + "\\n")
config = os.environ["CONDOR_CONFIG"]
local = [l.split("=", 1)[1].strip() for l in open(config) if l.startswith("LOCAL_DIR")][0]
note("start %s config=%s cwd=%s" % (" ".join(sys.argv[1:]), config, os.getcwd()))
def on_signal(signum, frame):
    note("signal %d" % signum)
    if signum == signal.SIGTERM and os.environ.get("FAKE_IGNORE_TERM"):
        return
    sys.exit(0)
signal.signal(signal.SIGTERM, on_signal)
signal.signal(signal.SIGQUIT, on_signal)
busy = float(os.environ.get("FAKE_BUSY", "0"))
if busy:
    job = os.path.join(local, "execute", "dir_1")
    os.makedirs(job)
    time.sleep(busy)
    os.rmdir(job)
    note("job done")
if os.environ.get("FAKE_EXIT"):
    sys.exit(int(os.environ["FAKE_EXIT"]))
while True:
    time.sleep(0.02)
"""


@pytest.fixture
def condor(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A served 'HTCondor tarball' whose sbin/condor_master is the fake above."""
    www = tmp_path / "www"
    www.mkdir()
    tar = make_tarball(
        www / "condor.tar.gz",
        {"sbin/condor_master": f"#!{sys.executable}\n{FAKE_MASTER}", "bin/condor_status": ""},
        top="condor-24.0.0-x86_64_Linux-stripped",
    )
    with file_server(www) as fs:
        fs.url = f"{fs.url}/condor.tar.gz"
        fs.sha = sha256(tar)  # type: ignore[attr-defined]
        yield fs


def glidein(tmp_path: Path, condor, args: list[str], **env: str) -> GlideinPlugin:  # type: ignore[no-untyped-def]
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    token = tmp_path / "pool.token"
    token.write_text("eyJhbGciOi.fake.token\n")
    argv = [
        "--wrapperplugin=glidein", "--collector", "cm.example.org:9618",
        "--condor-tarball-url", condor.url, "--condor-tarball-checksum", condor.sha,
        "--token-file", str(token), "--poll-interval", "0.05", "--shutdown-grace", "2", "--cpus", "2",
        "--memory", "1000", *args,
    ]  # fmt: skip
    full_env = {"PATH": os.environ["PATH"], "FAKE_MASTER_RECORD": str(tmp_path / "record"), **env}
    opts = parse(argv)
    ctx = StageContext(opts, str(work), str(tmp_path), full_env, sys.executable, Forwarder())
    return GlideinPlugin(ctx, opts.plugin_args)


def record(tmp_path: Path) -> list[str]:
    return (tmp_path / "record").read_text().splitlines()


def test_glidein_runs_condor_master_and_ends_at_the_walltime(tmp_path: Path, condor) -> None:  # type: ignore[no-untyped-def]
    p = glidein(tmp_path, condor, ["--max-walltime", "1", "--max-idle", "100"])
    p.pre_run()
    token = Path(p.glidein.token_dir) / "glidein.token"
    assert token.read_text() == "eyJhbGciOi.fake.token\n" and stat.S_IMODE(token.stat().st_mode) == 0o600
    c = conf(Path(p.config_path).read_text())
    assert c["RELEASE_DIR"].endswith("condor-24.0.0-x86_64_Linux-stripped")
    assert c["NUM_CPUS"] == "2" and c["MEMORY"] == "1000"
    assert p.run() == 0
    lines = record(tmp_path)
    assert lines[0] == f"start -f config={p.config_path} cwd={p.glidein.local_dir}"
    assert lines[1:] == ["signal 15"]  # graceful shutdown


def test_glidein_ends_when_idle_but_not_while_a_job_runs(tmp_path: Path, condor) -> None:  # type: ignore[no-untyped-def]
    p = glidein(tmp_path, condor, ["--max-walltime", "600", "--max-idle", "1"], FAKE_BUSY="1.5")
    p.pre_run()
    assert p.run() == 0
    assert record(tmp_path)[1:] == ["job done", "signal 15"]


def test_a_master_ignoring_sigterm_gets_sigquit(tmp_path: Path, condor) -> None:  # type: ignore[no-untyped-def]
    p = glidein(tmp_path, condor, ["--max-walltime", "1", "--shutdown-grace", "0.3"], FAKE_IGNORE_TERM="1")
    p.pre_run()
    assert p.run() == 0
    assert record(tmp_path)[1:] == ["signal 15", "signal 3"]


def test_a_master_failing_on_its_own_fails_the_run_step(tmp_path: Path, condor) -> None:  # type: ignore[no-untyped-def]
    p = glidein(tmp_path, condor, [], FAKE_EXIT="4")
    p.pre_run()
    assert p.run() == 4


def test_glidein_needs_a_collector_a_credential_and_condor(tmp_path: Path, condor) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StageError) as exc:
        glidein(tmp_path, condor, ["--collector", ""]).pre_run()
    assert exc.value.code == ec.USAGE and "--collector" in exc.value.message
    p = glidein(tmp_path, condor, ["--token-file", ""])
    with pytest.raises(StageError) as exc:
        p.pre_run()
    assert exc.value.code == ec.USAGE and "credential" in exc.value.message
    p = glidein(tmp_path, condor, ["--condor-tarball-url", "", "--condor-dir", str(tmp_path)])
    with pytest.raises(StageError) as exc:
        p.pre_run()
    assert exc.value.code == ec.PRE_RUN and "sbin/condor_master" in exc.value.message
    p = glidein(tmp_path, condor, ["--condor-tarball-checksum", "0" * 64])
    with pytest.raises(StageError) as exc:
        p.pre_run()
    assert exc.value.code == ec.CHECKSUM


def test_token_from_the_environment_and_steps_through_the_runner(tmp_path: Path, condor) -> None:  # type: ignore[no-untyped-def]
    p = glidein(
        tmp_path, condor, ["--token-file", "", "--token-env", "POOL_TOKEN", "--max-walltime", "1"],
        POOL_TOKEN="tok-from-env",
    )  # fmt: skip
    # make the fake executable as soon as pre_run unpacked it
    original = p.pre_run

    def pre_run() -> None:
        original()

    p.pre_run = pre_run  # type: ignore[method-assign]
    assert execute(p) == 0
    assert (Path(p.glidein.token_dir) / "glidein.token").read_text() == "tok-from-env\n"
