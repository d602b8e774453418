"""Submission through ``Schedd.submit(Submit, count=n)``, the submit file in the log directory, the
opt-in stuck-pilot expressions as the schedd evaluates them, and retirement: only with 2.4's own
``overlay.peaceful = False``, in ``overlay.killorder``."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.plugins.context import AuthFailure
from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.helpers import FakeAuth, load_conf, submitter

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
executable = /usr/libexec/apf/wrapper.sh

[local]
batchsubmitplugin = CondorLocal

[stuck]
batchsubmitplugin = CondorLocal
# the expressions docs/htcondor.md suggests
batchsubmit.condorlocal.periodic_hold = JobStatus == 2 && (time() - EnteredCurrentStatus) > 604800
batchsubmit.condorbase.periodic_remove = (JobStatus == 5 && (time() - EnteredCurrentStatus) > 3600) || (JobStatus == 1 && (time() - EnteredCurrentStatus) > 86400)

[gt2]
batchsubmitplugin = CondorGT2
batchsubmit.condorgt2.gridresource = gk.example.org/jobmanager-condor
batchsubmit.condorgt2.proxy = atlas-production
batchsubmit.condorgt2.overlay.peaceful = False
batchsubmit.condorgram.overlay.killorder = oldest

[osgce]
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce.example.org
batchsubmit.condorgrid.overlay.peaceful = False

[plain24]
# what 2.4's example queues.conf wrote: 2.4 never read these spellings, so it never removed a pilot
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce.example.org
batchsubmit.condorosgce.peaceful = False
batchsubmit.condorosgce.killorder = oldest
"""


@pytest.fixture
def cfg(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))


def test_submit_sends_one_submit_object_with_the_count_and_keeps_the_submit_file(
    cfg, tmp_path: Path, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    pilots = submitter(cfg, "gt2").submit(4)
    fake = fake_condor.only()
    assert fake.calls["submit"] == 1 and fake.submits[0][1] == 4
    assert [p.pilot_id for p in pilots] == ["1.0", "1.1", "1.2", "1.3"]
    day_dir = next((tmp_path / "logs").iterdir())
    jdl = (day_dir / "gt2" / "submit.jdl").read_text()
    assert jdl.endswith("queue 4\n")
    assert pilots[2].log_url == f"http://factory.example.org:25880/{day_dir.name}/gt2/1.2.out"
    ad = fake.jobs["1.3"]
    assert (ad["MATCH_APF_QUEUE"], ad["GridResource"]) == ("gt2", "gt2 gk.example.org/jobmanager-condor")
    assert ad["FACTORY_JOBID"] == "factory.example.org#1.3"
    assert ad["x509userproxy"] == "/srv/apf/proxy/atlas-production.pem"


def test_without_a_valid_proxy_nothing_reaches_the_schedd(cfg, fake_condor: FakePool) -> None:  # type: ignore[no-untyped-def]
    plugin = submitter(cfg, "gt2", auth=FakeAuth(missing=["atlas-production"]))
    with pytest.raises(AuthFailure, match="atlas-production"):
        plugin.submit(2)
    assert all(s.calls["submit"] == 0 for s in fake_condor.schedds.values())


def test_no_stuck_pilot_expression_unless_configured(cfg, fake_condor: FakePool) -> None:  # type: ignore[no-untyped-def]
    desc = submitter(cfg, "local").describe()
    assert "periodic_hold" not in desc and "periodic_remove" not in desc
    ids = [p.pilot_id for p in submitter(cfg, "local").submit(2)]
    fake = fake_condor.only()
    fake.hold(ids[:1])
    fake.advance(30 * 86400)
    assert sorted(fake.jobs) == ids  # 2.4 wrote none: nothing holds or removes them


def test_stuck_pilots_are_held_and_removed_by_the_opt_in_expressions(cfg, fake_condor: FakePool) -> None:  # type: ignore[no-untyped-def]
    ids = [p.pilot_id for p in submitter(cfg, "stuck").submit(3)]
    fake = fake_condor.only()
    fake.start(ids[:1])
    fake.hold(ids[1:2])
    fake.advance(3599)
    assert sorted(fake.jobs) == ids
    fake.advance(2)  # held for more than an hour
    assert sorted(fake.jobs) == [ids[0], ids[2]]
    fake.advance(86400)  # idle for more than a day
    assert sorted(fake.jobs) == [ids[0]]
    fake.advance(6 * 86400)  # running for more than 7 days
    assert fake.jobs[ids[0]]["JobStatus"] == 5
    assert fake.jobs[ids[0]]["HoldReason"] == "periodic_hold"


def test_peaceful_retirement_removes_nothing(cfg, fake_condor: FakePool) -> None:  # type: ignore[no-untyped-def]
    plugin = submitter(cfg, "local")
    plugin.submit(3)
    assert plugin.peaceful and plugin.retire(2) == []
    assert fake_condor.only().calls["act"] == 0 and len(fake_condor.only().jobs) == 3


def test_retirement_removes_n_pilots_in_killorder_read_through_the_key_hierarchy(
    cfg, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    gt2 = submitter(cfg, "gt2")
    assert (gt2.peaceful, gt2.killorder) == (False, "oldest")
    for _ in range(3):
        gt2.submit(2)
        fake_condor.only().advance(60)
    fake_condor.only().start(["2.0"])
    assert gt2.retire(3) == ["1.0", "1.1", "2.0"]
    assert sorted(fake_condor.only().jobs) == ["2.1", "3.0", "3.1"]
    assert fake_condor.only().hist[0]["RemoveReason"] == "autopyfactory: retiring pilots of gt2"

    osgce = submitter(cfg, "osgce")  # overlay.peaceful at a parent prefix, default killorder newest
    assert (osgce.peaceful, osgce.killorder) == (False, "newest")
    osgce.submit(2)
    assert osgce.retire(1) == ["4.1"]


def test_the_spellings_2_4_ignored_retire_nothing_and_check_config_says_so(
    cfg, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    plugin = submitter(cfg, "plain24")
    assert (plugin.peaceful, plugin.killorder) == (True, "newest")
    plugin.submit(3)
    assert plugin.retire(2) == []
    assert fake_condor.only().calls["act"] == 0 and len(fake_condor.only().jobs) == 3
    notes = {p.key: p for p in cfg.queues["plain24"].problems}
    peaceful = notes["batchsubmit.condorosgce.peaceful"]
    assert peaceful.level == "warning" and peaceful.value == "False"
    assert "ignored, as 2.4 ignored it" in peaceful.message and "pilots are not removed" in peaceful.message
    assert peaceful.hint == (
        "to have it apply, write batchsubmit.condorosgce.overlay.peaceful = False (pilots will then be removed)"
    )
    assert "batchsubmit.condorosgce.killorder" in notes
    assert cfg.queues["plain24"].ok
