"""Withdrawal of pilots that have not started, at the bindings boundary: one ``Schedd.act(Remove,
constraint)`` that the schedd evaluates when it acts, newest pilots first, whatever ``peaceful``
says; a pilot that starts between the listing and the removal stays; grid jobs count as not
started only while the remote side is known not to run them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.helpers import load_conf, submitter

QUEUES = """
[DEFAULT]
wmsstatusplugin = Static
executable = /usr/libexec/apf/wrapper.sh

[local]
batchsubmitplugin = CondorLocal

[other]
batchsubmitplugin = CondorLocal

[osgce]
batchsubmitplugin = CondorOSGCE
batchsubmit.condorosgce.gridresource = ce.example.org
"""


@pytest.fixture
def cfg(tmp_path: Path):  # type: ignore[no-untyped-def]
    return load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))


def test_withdraw_removes_idle_pilots_of_the_queue_newest_first_and_nothing_else(
    cfg, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    local, other = submitter(cfg, "local"), submitter(cfg, "other")
    local.submit(3)  # 1.0-1.2
    fake = fake_condor.only()
    fake.advance(10)
    local.submit(2)  # 2.0, 2.1: newer
    other.submit(2)  # 3.x: another queue's, newest of all
    fake.start(["2.1"])
    fake.hold(["2.0"])
    assert local.peaceful  # withdrawing does not depend on it
    gone = local.withdraw(2)
    # 2.1 runs and 2.0 is held: the newest idle ones are 1.2, then 1.1
    assert gone == ["1.2", "1.1"]
    assert fake.calls["act"] == 1
    assert sorted(fake.ids()) == ["1.0", "2.0", "2.1", "3.0", "3.1"]
    assert fake.hist[0]["RemoveReason"].startswith("autopyfactory: withdrawing pending pilots of local")
    assert local.withdraw(5) == ["1.0"]
    assert local.withdraw(1) == []  # nothing idle left: no removal at all
    assert fake.calls["act"] == 2
    assert sorted(fake.ids()) == ["2.0", "2.1", "3.0", "3.1"]


def test_same_submit_time_withdraws_the_highest_cluster_and_proc_first(cfg, fake_condor: FakePool) -> None:  # type: ignore[no-untyped-def]
    local = submitter(cfg, "local")
    local.submit(2)
    local.submit(2)  # same QDate
    assert local.withdraw(3) == ["2.1", "2.0", "1.1"]


def test_a_pilot_that_starts_between_the_listing_and_the_removal_is_not_removed(
    cfg, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    local = submitter(cfg, "local")
    local.submit(3)
    fake = fake_condor.only()
    # the negotiator matches 1.2 while the factory decides: it runs when the schedd acts
    fake.on_act = lambda: fake.start(["1.2"])
    gone = local.withdraw(2)
    assert gone == ["1.1"]  # only what the schedd removed, found by this call's removal reason
    assert fake.jobs["1.2"]["JobStatus"] == 2
    assert sorted(fake.ids()) == ["1.0", "1.2"]


def test_remove_pending_with_a_stale_list_leaves_running_and_foreign_pilots(
    cfg, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    local, other = submitter(cfg, "local"), submitter(cfg, "other")
    local.submit(3)
    other.submit(1)
    fake = fake_condor.only()
    fake.start(["1.0"])
    assert local.remove_pending(["1.0", "1.1", "2.0"]) == ["1.1"]
    assert sorted(fake.ids()) == ["1.0", "1.2", "2.0"]
    with pytest.raises(ValueError, match="not an HTCondor job id"):
        local.remove_pending(["1.2) || (True"])


def test_grid_jobs_are_withdrawn_only_while_the_remote_side_is_known_not_to_run_them(
    cfg, fake_condor: FakePool
) -> None:  # type: ignore[no-untyped-def]
    ce = submitter(cfg, "osgce")
    ce.submit(6)
    fake = fake_condor.only()
    assert fake.jobs["1.0"]["JobUniverse"] == 9
    # 1.0: not handed to the CE yet (no GridJobId); 1.1: idle at the CE; 1.2: running at the CE,
    # not yet mirrored in the local JobStatus; 1.3: submitted, remote state not known yet;
    # 1.4: ARC queuing; 1.5: running locally
    for jid, status in (("1.1", "IDLE"), ("1.2", "RUNNING"), ("1.3", None), ("1.4", "QUEUING")):
        fake.jobs[jid]["GridJobId"] = f"condor ce.example.org ce.example.org:9619 {jid[-1]}.0"
        if status is not None:
            fake.jobs[jid]["GridJobStatus"] = status
    fake.start(["1.5"])
    assert [p.pilot_id for p in ce.pending_pilots()] == ["1.0", "1.1", "1.4"]
    assert sorted(ce.withdraw(6)) == ["1.0", "1.1", "1.4"]
    assert sorted(fake.ids()) == ["1.2", "1.3", "1.5"]
    # a stale list does not help: the schedd checks the remote state again when it acts
    assert ce.remove_pending(["1.2", "1.3"]) == []
