"""The Slurm backend against a real one-node cluster: pilots through the factory engine, their
states as the status plugin sees them, retirement with scancel, accounting, a controller that is down."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from autopyfactory.batch.slurm.runner import SlurmError
from autopyfactory.batch.slurm.status import SlurmBatchStatus
from autopyfactory.batch.slurm.submit import SlurmSubmit
from autopyfactory.engine.factory import Factory, RunOptions
from tests.slurm.conftest import SlurmCluster, free_port_pair
from tests.slurm.live import live_ids, out_files, queue_file, submitter, view, wait_until

pytestmark = [pytest.mark.slurm, pytest.mark.timeout(120)]


def test_pilots_go_pending_running_done_with_their_own_ids_and_environment(
    conf_tree, tmp_path: Path, slurm_cluster: SlurmCluster
) -> None:  # type: ignore[no-untyped-def]
    q = "SLURM_LIFECYCLE"
    script = 'echo "$APFCID $APFFID $FACTORYQUEUE $GTAG $EXTRA"; sleep 4'
    # held at first, so that the pending state is seen for sure; released below
    extra = "batchsubmit.slurm.options = --hold\nbatchsubmit.slurm.environ = EXTRA=x1"
    etc = conf_tree(files={"queues.conf": queue_file(q, 3, script, slurm_cluster.slurm_conf, extra)})
    f = Factory(RunOptions(conf=str(etc), services=False))
    assert f.run_cycle().outcomes[0].action == "submitted 3"

    ids = live_ids(f, q)
    assert len(ids) == 3
    job = next(iter(ids)).split("_")[0]
    assert ids == {f"{job}_{i}" for i in range(3)}  # one array of 3
    assert view(f, q).pending == 3
    slurm_cluster.run("scontrol", "release", job)
    seen = {"pending"}

    def watch() -> bool:
        c = view(f, q)
        assert c.pending + c.running + c.done == 3
        seen.update(s for s in ("pending", "running") if getattr(c, s))
        return c.done == 3

    wait_until(watch, what="3 pilots done")
    assert seen == {"pending", "running"}

    day = time.strftime("%Y-%m-%d", time.gmtime())
    outs = out_files(tmp_path / "logs", q)
    assert [p.name for p in outs] == [f"{job}_{i}.out" for i in range(3)]
    for p in outs:
        pid = p.name[: -len(".out")]
        url = f"http://localhost:25880/{day}/{q}/{pid}.out"
        assert p.read_text().split() == [pid, "test-factory", q, url, "x1"]
    # the files the monitor is told to link are those Slurm wrote: .out and .err, no .log
    assert {f.suffix[1:] for f in outs[0].parent.iterdir()} == set(SlurmSubmit.log_files)

    # the completion log (sacct -c) knows them too, under their raw ids
    status = f.hub.get(f.queues[q].batch_key)
    assert isinstance(status, SlurmBatchStatus)
    accounted = status.backend.finished(time.time() - 600)
    assert accounted is not None
    mine = [j for j in accounted if j.tag is not None and j.tag.queue == q]
    assert sorted(j.state for j in mine) == ["COMPLETED"] * 3


def test_negative_decision_cancels_the_newest_pilots(conf_tree, slurm_cluster: SlurmCluster) -> None:  # type: ignore[no-untyped-def]
    q = "SLURM_RETIRE"
    extra = "batchsubmit.slurm.peaceful = False\nbatchsubmit.slurm.killorder = newest"
    etc = conf_tree(files={"queues.conf": queue_file(q, -2, "sleep 60", slurm_cluster.slurm_conf, extra)})
    f = Factory(RunOptions(conf=str(etc), services=False))
    sub = submitter(f, q)
    records = sub.submit(4)
    ids = [r.pilot_id for r in records]
    wait_until(lambda: view(f, q).active == 4, what="4 pilots active")

    out = f.run_cycle().outcomes[0]
    assert (out.action, out.retired) == ("retired 2", 2)
    wait_until(lambda: live_ids(f, q) == set(ids[:2]), what="the two highest array indexes gone")
    wait_until(lambda: view(f, q).active == 2, what="2 pilots left")
    sub.remove(ids[:2])
    wait_until(lambda: not live_ids(f, q), what="all cancelled")


def test_submit_options_reach_slurm(conf_tree, slurm_cluster: SlurmCluster) -> None:  # type: ignore[no-untyped-def]
    q = "SLURM_OPTIONS"
    extra = (
        "batchsubmit.slurm.partition = debug\nbatchsubmit.slurm.cpus = 2\n"
        "batchsubmit.slurm.memory = 100M\nbatchsubmit.slurm.time = 0:07:00\n"
        "batchsubmit.slurm.options = --hold"
    )
    etc = conf_tree(files={"queues.conf": queue_file(q, 1, "true", slurm_cluster.slurm_conf, extra)})
    f = Factory(RunOptions(conf=str(etc), services=False))
    (pid,) = [r.pilot_id for r in submitter(f, q).submit(1)]
    try:
        text = slurm_cluster.run("scontrol", "show", "job", pid)
        fields = dict(w.split("=", 1) for w in text.split() if "=" in w)
        assert fields["JobName"] == f"apf:test-factory:{q}"
        assert fields["Partition"] == "debug"
        assert fields["TimeLimit"] == "00:07:00"
        assert fields["NumCPUs"] == "2"
        assert fields["MinMemoryNode"] == "100M"
        assert fields["Reason"] == "JobHeldUser"
        assert fields["Comment"] == f"apf:test-factory:{q}"  # the comment's first word; squeue shows it all
        assert view(f, q).pending == 1
    finally:
        submitter(f, q).remove([pid])


def test_a_controller_that_does_not_answer_is_an_error_not_a_hang(
    conf_tree, tmp_path: Path, slurm_cluster: SlurmCluster
) -> None:  # type: ignore[no-untyped-def]
    real = Path(slurm_cluster.slurm_conf).read_text()
    dead = tmp_path / "dead.conf"  # the same cluster, but nobody listens on the controller port
    dead.write_text(
        "\n".join(
            f"SlurmctldPort={free_port_pair()}" if ln.startswith("SlurmctldPort=") else ln
            for ln in real.splitlines()
        )
    )
    missing = tmp_path / "nowhere" / "slurm.conf"  # squeue retries such a file for 60 s
    queues = queue_file("DEAD", 1, "true", str(dead)) + queue_file("MISSING", 1, "true", str(missing))
    etc = conf_tree(factory="batch.slurm.timeout = 3\n", files={"queues.conf": queues})
    f = Factory(RunOptions(conf=str(etc), services=False))
    with pytest.raises(SlurmError, match=r"Unable to contact slurm controller|did not answer within 3s"):
        view(f, "DEAD")
    with pytest.raises(SlurmError, match="did not answer within 3s"):
        view(f, "MISSING")
    report = f.run_cycle()
    for out in report.outcomes:
        assert out.submitted == 0
        assert out.action.startswith("none (no batch data") and "SlurmError" in out.action


def test_the_bundled_wrapper_runs_as_a_slurm_pilot_from_its_path_and_shipped_in_the_script(
    conf_tree, tmp_path: Path, slurm_cluster: SlurmCluster
) -> None:  # type: ignore[no-untyped-def]
    conf = slurm_cluster.slurm_conf
    common = (
        "wrapper.plugin = trivial\nwrapper.pluginargs = --sleep=1 --exit-code=0\n"
        f"batchsubmit.slurm.slurmconf = {conf}\nbatchsubmit.slurm.time = 5"
    )
    text = ""
    for q, extra in (
        ("SLURM_WRAPPER", ""),
        ("SLURM_WRAPPER_SHIPPED", "batchsubmit.slurm.transferexecutable = True"),
    ):
        text += f"""
[{q}]
wmsqueue = SITE
wmsstatusplugin = Static
batchsubmitplugin = Slurm
schedplugin = Fixed
sched.fixed.pilotspercycle = 2
apfqueue.sleep = 0
{common}
{extra}
"""
    f = Factory(RunOptions(conf=str(conf_tree(files={"queues.conf": text})), services=False))
    assert sorted(o.action for o in f.run_cycle().outcomes) == ["submitted 2", "submitted 2"]
    for q in ("SLURM_WRAPPER", "SLURM_WRAPPER_SHIPPED"):
        wait_until(lambda q=q: view(f, q).done == 2, what=f"{q}: 2 pilots done")  # type: ignore[misc]
        outs = out_files(tmp_path / "logs", q)
        assert len(outs) == 2
        for p in outs:
            log = p.read_text()
            pid = p.name[: -len(".out")]
            assert "trivial payload: host" in log, log
            assert f"monitor: none job test-factory:{pid}" in log  # the wrapper knows its APFCID
            assert f"landing directory: {p.parent}" in log
            assert (p.parent / f"{pid}.profile.json").exists()
        status = f.hub.get(f.queues[q].batch_key)
        assert isinstance(status, SlurmBatchStatus)
        states = {j.state for j in status.backend.jobs() if j.tag is not None and j.tag.queue == q}
        assert states == {"COMPLETED"}  # the wrapper exited 0
