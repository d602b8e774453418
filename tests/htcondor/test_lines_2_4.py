"""What a 2.4 queue writes into its submit file, key by key: the ARC RSL by 2.4's rule, FACTORY_JOBID
from ``$ENV(HOSTNAME)``, and the lines 2.4 never wrote only when asked for."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.helpers import NOW, load_conf, submitter

# an ARC queue as 2.4-era AGIS generators wrote it
AGIS_ARC = """
[DEFAULT]
wmsstatusplugin = Static
executable = /usr/libexec/runpilot3-wrapper.sh
nordugridrsl.cputime = 2880

[ARC]
batchsubmitplugin = CondorNordugrid
batchsubmit.condornordugrid.gridresource = arc.example.org
batchsubmit.condornordugrid.proxy = atlas-production
batchsubmit.condornordugrid.nordugridrsl = (jobname = arc_pilot)
nordugridrsl.queue = grid
nordugridrsl.count = 8
nordugridrsl.memory = None
nordugridrsl.nordugridrsladd = (runtimeenvironment = APPS/HEP/ATLAS-SITE-LCG)
nordugridrsl.addenv.RUCIO_ACCOUNT = pilot
nordugridrsl.addenv.EMPTY =

[WHOLE]
batchsubmitplugin = CondorNordugrid
batchsubmit.condornordugrid.gridresource = arc.example.org
batchsubmit.condornordugrid.proxy = atlas-production
nordugridrsl.nordugridrsl = (jobname = whole)(queue = long)
nordugridrsl.queue = ignored
nordugridrsl.nordugridrsladd = (count = 1)

[NORSL]
batchsubmitplugin = CondorNordugrid
batchsubmit.condornordugrid.gridresource = arc.example.org
batchsubmit.condornordugrid.proxy = atlas-production
nordugridrsl.cputime = None
"""


def rsl(cfg: object, q: str) -> str:
    return submitter(cfg, q).describe(NOW).get("nordugrid_rsl") or ""


def test_agis_arc_queue_gets_queue_then_rsladd_and_the_ignored_key_is_named(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, AGIS_ARC)
    text = rsl(cfg, "ARC")
    # own keys in file order, then [DEFAULT]'s; None items left out; then nordugridrsladd
    assert text.startswith(
        "(queue = grid)(count = 8)(cputime = 2880)(runtimeenvironment = APPS/HEP/ATLAS-SITE-LCG) (environment = "
    )
    assert "arc_pilot" not in text
    assert text.endswith("('FACTORYUSER' 'apf')   ('RUCIO_ACCOUNT' 'pilot') )")
    (w,) = [p for p in cfg.queues["ARC"].problems if p.key == "batchsubmit.condornordugrid.nordugridrsl"]
    assert w.level == "warning" and w.value == "(jobname = arc_pilot)"
    assert w.message.startswith("not read, as 2.4 did not read it; the RSL is: (queue = grid)(count = 8)")
    assert w.hint == "to use this RSL, rename the key to nordugridrsl.nordugridrsl; or remove it"


def test_the_whole_rsl_key_wins_over_items_and_rsladd_follows(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, AGIS_ARC)
    assert rsl(cfg, "WHOLE").startswith("(jobname = whole)(queue = long)(count = 1) (environment = ")
    assert not [p for p in cfg.queues["WHOLE"].problems]


def test_without_rsl_the_line_is_empty_as_2_4_wrote_it_and_check_config_warns(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, AGIS_ARC)
    assert rsl(cfg, "NORSL") == ""
    (w,) = cfg.queues["NORSL"].problems
    assert w.level == "warning" and w.key == "nordugridrsl.*"
    assert "the pilots go to the CE's default queue without the pilot environment" in w.message


def test_factory_jobid_is_expanded_from_the_environment_at_submission(
    tmp_path: Path, fake_condor: FakePool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HOSTNAME")  # a service manager may start the factory without it
    cfg = load_conf(tmp_path, AGIS_ARC, logs=str(tmp_path / "logs"))
    plugin = submitter(cfg, "ARC")
    desc = plugin.describe(NOW)
    assert desc.get("+FACTORY_JOBID") == '"$ENV(HOSTNAME)#$(Cluster).$(Process)"'
    assert "FACTORY_JOBID=$ENV(HOSTNAME)#$(Cluster).$(Process) " in (desc.get("environment") or "")
    plugin.submit(2)
    ad = fake_condor.only().jobs["1.1"]
    assert ad["FACTORY_JOBID"] == f"{socket.gethostname()}#1.1"
    assert f"FACTORY_JOBID={socket.gethostname()}#1.1 " in ad["Environment"]


LOCAL_AND_SSH = """
[DEFAULT]
wmsstatusplugin = Static
executable = /bin/true

[local24]
batchsubmitplugin = CondorLocal
batchsubmit.condorlocal.proxy = atlas-production

[localproxy]
batchsubmitplugin = CondorLocal
batchsubmit.condorlocal.proxy = atlas-production
batchsubmit.condorlocal.passproxy = True

[ssh24]
batchsubmitplugin = CondorSSH
batchsubmit.condorssh.batch = pbs
batchsubmit.condorssh.host = login.example.org
batchsubmit.condorssh.user = apf
batchsubmit.condorssh.authprofile = bosco-key

[sshpass]
batchsubmitplugin = CondorSSH
batchsubmit.condorssh.batch = pbs
batchsubmit.condorssh.host = login.example.org
batchsubmit.condorssh.user = apf
batchsubmit.condorssh.authprofile = bosco-key
batchsubmit.condorssh.rgahppass = True
"""


def test_condor_local_passes_a_proxy_only_when_asked(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, LOCAL_AND_SSH)
    assert "x509userproxy" not in submitter(cfg, "local24").describe(NOW)
    (w,) = cfg.queues["local24"].problems
    assert (w.level, w.key) == ("warning", "batchsubmit.condorlocal.proxy")
    assert w.hint == "to pass it (x509userproxy), add batchsubmit.condorlocal.passproxy = True"
    passing = submitter(cfg, "localproxy").describe(NOW)
    assert passing.get("x509userproxy") == "/srv/apf/proxy/atlas-production.pem"
    assert cfg.queues["localproxy"].problems == []


def test_condor_ssh_adds_the_passphrase_file_only_when_asked(tmp_path: Path) -> None:
    cfg = load_conf(tmp_path, LOCAL_AND_SSH)
    assert submitter(cfg, "ssh24").describe(NOW).get("grid_resource") == (
        "batch pbs apf@login.example.org --rgahp-key /srv/apf/ssh/bosco-key"
    )
    assert submitter(cfg, "sshpass").describe(NOW).get("grid_resource") == (
        "batch pbs apf@login.example.org --rgahp-key /srv/apf/ssh/bosco-key --rgahp-pass /srv/apf/ssh/bosco-key.pass"
    )
