"""Batch status ``Condor`` against the fake schedd: one query per schedd per cycle shared by every
queue, counts per MATCH_APF_QUEUE through mappings.conf as jobs move through their states."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import htcondor2
import pytest

from autopyfactory.batch.htcondor.location import ScheddLocation
from autopyfactory.batch.htcondor.schedd import ScheddError
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.plugins.registry import registry
from autopyfactory.plugins.status import BATCHSTATUS
from tests.htcondor.fake_schedd import FakePool
from tests.htcondor.helpers import context, load_conf, submitter

QUEUES = """
[DEFAULT]
enabled = True
wmsstatusplugin = Static
wmsstatus.static.activated = 50
batchsubmitplugin = CondorLocal
executable = /bin/true
schedplugin = Ready, MaxPerCycle
sched.maxpercycle.maximum = 2

[A]
[B]
[C]
[D]
[R1]
batchstatus.condor.scheddhost = schedd2.example.org
batchstatus.condor.collectorhost = cm.example.org
[R2]
batchstatus.condor.scheddhost = schedd2.example.org
batchstatus.condor.collectorhost = cm.example.org
"""

REMOTE = ScheddLocation("schedd2.example.org", "cm.example.org:9618")


def test_one_status_query_per_schedd_per_cycle_whatever_the_number_of_queues(
    tmp_path: Path, fake_condor: FakePool
) -> None:
    load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    f = Factory(RunOptions(conf=str(tmp_path / "etc"), sleep=0, services=False))
    try:
        for _ in range(3):
            report = f.run_cycle()
            assert {o.queue: o.action for o in report.outcomes} == {
                q: "submitted 2" for q in ["A", "B", "C", "D", "R1", "R2"]
            }
    finally:
        f.shutdown()
    local, remote = fake_condor.schedds[ScheddLocation()], fake_condor.schedds[REMOTE]
    assert local.calls["query"] == 3 and remote.calls["query"] == 3
    assert local.calls["history"] == 3 and remote.calls["history"] == 3
    assert local.calls["submit"] == 4 * 3 and remote.calls["submit"] == 2 * 3
    assert fake_condor.connects == {ScheddLocation(): 1, REMOTE: 1}
    by_queue = {str(a["MATCH_APF_QUEUE"]) for a in remote.jobs.values()}
    assert by_queue == {"R1", "R2"}
    # the third cycle saw the pilots of the first two as pending
    assert len([a for a in local.jobs.values() if a["MATCH_APF_QUEUE"] == "A"]) == 6


def status_plugin(cfg: Any, queue: str = "A", fake: FakePool | None = None) -> Any:
    plugin = registry.get(BATCHSTATUS, "Condor")(context(cfg), cfg.queues[queue].section)
    if fake is not None:
        plugin.clock = lambda: fake.schedds[plugin.location].now
    return plugin


def test_counts_follow_the_jobs_through_their_states(tmp_path: Path, fake_condor: FakePool) -> None:
    cfg = load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    status = status_plugin(cfg, fake=fake_condor)
    ids_a = [p.pilot_id for p in submitter(cfg, "A").submit(6)]
    ids_b = [p.pilot_id for p in submitter(cfg, "B").submit(1)]
    fake = fake_condor.only()
    v = status.poll()
    assert (v.queue("A").pending, v.queue("A").running, v.queue("B").pending) == (6, 0, 1)

    fake.start(ids_a[:4])
    fake.hold(ids_a[4:5])  # held counts as the mapping says: pending (2.4's mappings.conf)
    fake.advance(100)
    fake.set_status(ids_a[3:4], 6)  # transferring output: still running
    fake.finish(ids_a[:1])
    fake.act(htcondor2.JobAction.Remove, ids_b)
    v = status.poll()
    a = v.queue("A")
    assert (a.pending, a.running, a.done) == (2, 3, 1)
    assert (v.queue("B").pending, v.queue("B").done) == (0, 1)
    assert [(p.started_at, p.wallclock) for p in v.finished["A"]] == [(fake.now - 100, 100.0)]
    assert status.raw_counts()["A"] == {1: 1, 2: 2, 4: 1, 5: 1, 6: 1}


def test_held_pilots_count_as_suspended_when_mappings_conf_says_so(
    tmp_path: Path, fake_condor: FakePool
) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "mappings.conf").write_text("[CONDORBATCHSTATUS-JOBSTATUS2INFO]\n5 = suspended\n")
    cfg = load_conf(
        tmp_path, QUEUES, logs=str(tmp_path / "logs"), factory_extra="mappingsConf = mappings.conf\n"
    )
    ids = [p.pilot_id for p in submitter(cfg, "A").submit(2)]
    fake_condor.only().hold(ids[:1])
    a = status_plugin(cfg).poll().queue("A")
    assert (a.pending, a.suspended) == (1, 1)


def test_history_is_read_incrementally_and_kept_for_the_window(tmp_path: Path, fake_condor: FakePool) -> None:
    cfg = load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    status = status_plugin(cfg, fake=fake_condor)
    ids = [p.pilot_id for p in submitter(cfg, "A").submit(3)]
    fake = fake_condor.only()
    fake.start(ids)
    fake.finish(ids[:1])
    assert status.poll().queue("A").done == 1
    fake.finish(ids[1:2])
    assert status.poll().queue("A").done == 2
    assert fake.history_since == [None, ids[0]]
    fake.advance(3601)  # older than batchstatus.condor.historywindow
    fake.finish(ids[2:])
    assert status.poll().queue("A").done == 1


def test_a_failing_schedd_is_reported_by_name_and_reconnected(tmp_path: Path, fake_condor: FakePool) -> None:
    cfg = load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    status = status_plugin(cfg, "R1")
    status.poll()
    fake_condor.schedds[REMOTE].fail = RuntimeError("Failed to fetch ads from schedd")
    with pytest.raises(
        ScheddError, match=re.escape("query on schedd schedd2.example.org via collector cm.example.org:9618")
    ):
        status.poll()
    status.poll()
    assert fake_condor.connects[REMOTE] == 2


def test_queryargs_of_2_4_name_the_remote_schedd(tmp_path: Path, fake_condor: FakePool) -> None:
    q = "[Q]\nwmsstatusplugin = Static\nbatchsubmitplugin = CondorLocal\nexecutable = /bin/true\n"
    q += "batchstatus.condor.queryargs = -name schedd3.example.org -pool cm3.example.org:9619\n"
    cfg = load_conf(tmp_path, q, logs=str(tmp_path / "logs"))
    status_plugin(cfg, "Q").poll()
    assert list(fake_condor.schedds) == [ScheddLocation("schedd3.example.org", "cm3.example.org:9619")]


def test_a_pilot_in_a_state_the_mapping_does_not_know_stops_submission_of_its_queue(
    tmp_path: Path, fake_condor: FakePool
) -> None:
    """JobStatus 9 (BLOCKED) is in no mapping: counting it as nothing would make the queue look
    emptier than it is, so that queue's counts are incomplete and it submits nothing; the other
    queues of the same schedd are counted and decide as usual."""
    load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    f = Factory(RunOptions(conf=str(tmp_path / "etc"), sleep=0, services=False))
    try:
        first = {o.queue: o.action for o in f.run_cycle().outcomes}
        local = fake_condor.schedds[ScheddLocation()]
        local.set_status([j for j, a in local.jobs.items() if a["MATCH_APF_QUEUE"] == "B"][:1], 9)
        report = f.run_cycle()
    finally:
        f.shutdown()
    actions = {o.queue: o.action for o in report.outcomes}
    assert actions["B"].startswith(
        "none (no batch data: raw state(s) '9' (1 pilot) of queue(s) B map to no batch"
    )
    assert "add e.g. '9 = pending' to [CONDORBATCHSTATUS-JOBSTATUS2INFO]" in actions["B"]
    for q in ("A", "C", "D", "R1", "R2"):  # the same schedd's other queues, and another schedd's
        assert "no batch data" not in actions[q], actions[q]
    assert actions == {**first, "B": actions["B"]}  # they decide as they would have without it
    assert all(actions[q].startswith("submitted") for q in ("A", "C", "D")), actions


def test_the_view_carries_each_pilots_life_for_the_queue_history(
    tmp_path: Path, fake_condor: FakePool
) -> None:
    cfg = load_conf(tmp_path, QUEUES, logs=str(tmp_path / "logs"))
    status = status_plugin(cfg, fake=fake_condor)
    ids = [p.pilot_id for p in submitter(cfg, "A").submit(4)]
    fake = fake_condor.only()
    t0 = fake.now
    fake.advance(300)
    fake.start(ids[:3])
    fake.advance(60)
    fake.finish(ids[:1])  # ran 60 s
    fake.act(htcondor2.JobAction.Remove, ids[3:])  # removed before it started
    lives = status.poll().pilots["A"]
    start = t0 + 300
    assert all(p.submitted_at == pytest.approx(t0, abs=1) for p in lives)
    got = sorted(((p.started_at or 0, p.ended_at or 0) for p in lives), reverse=True)
    # a pilot that ran and ended, two running, one removed while idle (it never started)
    assert got == [(start, start + 60), (start, 0), (start, 0), (0, start + 60)]
