"""The operator tools: render-submit (a dry run, no schedd), kill-pilots, queue-status --by-jobstatus."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from autopyfactory.cli.main import main
from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.flavour_conf import QUEUES
from tests.htcondor.helpers import FakeAuth, load_conf, submitter

AUTH = """
[atlas-production]
plugin = X509
x509.proxyfile = /srv/apf/proxy/atlas-production.pem
x509.renew = False
"""


@pytest.fixture
def etc(tmp_path: Path) -> Path:
    load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    (tmp_path / "etc" / "auth.conf").write_text(AUTH)
    return tmp_path / "etc"


def test_render_submit_prints_what_the_queue_would_submit_without_any_schedd(
    etc: Path, fake_condor: FakePool, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["render-submit", "--conf", str(etc), "--queue", "osgce", "-n", "5"]) == 0
    out, err = capsys.readouterr()
    plugin: Any = submitter(
        load_conf(etc.parent, QUEUES, logs=str(etc.parent / "logs")), "osgce", FakeAuth(["atlas-pilot"])
    )
    plugin.host = socket.gethostname()
    assert out == plugin.describe(time.time()).render(5)
    assert "x509userproxy = /srv/apf/proxy/atlas-production.pem" in out.splitlines()
    assert "no auth profile [atlas-pilot]" in err and "does not exist" in err
    assert fake_condor.connects == {} and not (etc.parent / "logs").exists()


def test_render_submit_refuses_a_queue_that_is_not_htcondor(
    etc: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (etc / "queues.conf").write_text("[plain]\nwmsstatusplugin = Static\nbatchsubmitplugin = Local\n")
    assert main(["render-submit", "--conf", str(etc), "--queue", "plain"]) == 1
    assert "uses Local, which has no HTCondor submit description" in capsys.readouterr().err
    assert main(["render-submit", "--conf", str(etc), "--queue", "nope"]) == 1
    assert "no queue [nope] (queues: plain)" in capsys.readouterr().err


def test_kill_pilots_removes_the_queues_pilots_in_the_given_state(
    etc: Path, fake_condor: FakePool, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = load_conf(etc.parent, QUEUES, logs=str(etc.parent / "logs"))
    ids = [p.pilot_id for p in submitter(cfg, "local").submit(4)]
    other = [p.pilot_id for p in submitter(cfg, "pbs").submit(1)]
    fake = fake_condor.only()
    fake.hold(ids[:2])
    assert main(["kill-pilots", "--conf", str(etc), "--queue", "local", "--status", "held", "--dry-run"]) == 0
    assert capsys.readouterr().out == f"local: would remove 2 pilot(s): {ids[0]} {ids[1]}\n"
    assert len(fake.jobs) == 5
    assert main(["kill-pilots", "--conf", str(etc), "--queue", "local", "--status", "HELD"]) == 0
    assert sorted(fake.jobs) == sorted([*ids[2:], *other])
    assert main(["kill-pilots", "--conf", str(etc), "--queue", "local"]) == 0
    assert sorted(fake.jobs) == other
    assert capsys.readouterr().out.splitlines()[-1] == f"local: removed 2 pilot(s): {ids[2]} {ids[3]}"


def test_queue_status_by_jobstatus_shows_held_pilots_apart(
    etc: Path, fake_condor: FakePool, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = load_conf(etc.parent, QUEUES, logs=str(etc.parent / "logs"))
    ids = [p.pilot_id for p in submitter(cfg, "local").submit(5)]
    fake_condor.only().hold(ids[:2])
    fake_condor.only().start(ids[2:3])
    args = ["queue-status", "--conf", str(etc), "--queue", "local", "--queue", "gt2"]
    assert main([*args, "--by-jobstatus", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"local": {"held": 2, "idle": 2, "running": 1}, "gt2": {}}
    assert main(args) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[1].split() == ["gt2", "Condor", "0", "0", "0", "0"]
    assert table[2].split() == ["local", "Condor", "4", "1", "0", "0"]
    assert fake_condor.only().calls["query"] == 2  # one per invocation for both queues
