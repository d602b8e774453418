"""Withdrawal and pilot lives against the real one-node cluster, through the command line tools and
through slurmrestd: pending pilots are withdrawn newest first, a running one never, and one that
starts between the decision and the withdrawal is left running (and not left held)."""

from __future__ import annotations

import pytest

from autopyfactory.batch.logdir import pilot_log_dir
from autopyfactory.engine.factory import Factory, RunOptions
from tests.slurm.conftest import SlurmCluster
from tests.slurm.live import live_ids, queue_file, rest_factory_tree, submitter, view, wait_until

pytestmark = [pytest.mark.slurm, pytest.mark.timeout(180)]

# pilots wait for their begin time: pending for sure until a test lets one start
LATER = "batchsubmit.slurm.options = --begin=now+3600"


def _start(cluster: SlurmCluster, f: Factory, q: str, pid: str) -> None:
    """Let one pending pilot start now, and wait until it runs."""
    cluster.run("scontrol", "update", f"JobId={pid}", "StartTime=now")
    wait_until(lambda: _state(f, q, pid) == "RUNNING", timeout=90, what=f"{pid} running")


def _state(f: Factory, q: str, pid: str) -> str | None:
    return next((p.state for p in submitter(f, q).list_pilots() if p.pilot_id == pid), None)


def _priority(cluster: SlurmCluster, pid: str) -> int:
    return int(cluster.run("squeue", "-h", "-j", pid, "-o", "%Q").strip())


def _cli_factory(conf_tree, cluster: SlurmCluster, q: str) -> Factory:  # type: ignore[no-untyped-def]
    etc = conf_tree(files={"queues.conf": queue_file(q, 0, "sleep 120", cluster.slurm_conf, LATER)})
    return Factory(RunOptions(conf=str(etc), services=False))


def test_withdraw_cancels_pending_pilots_newest_first_never_a_running_one(
    conf_tree, slurm_cluster: SlurmCluster
) -> None:  # type: ignore[no-untyped-def]
    q = "SLURM_WITHDRAW"
    f = _cli_factory(conf_tree, slurm_cluster, q)
    sub = submitter(f, q)
    ids = [r.pilot_id for r in sub.submit(4)]
    try:
        _start(slurm_cluster, f, q, ids[0])
        assert sub.peaceful  # withdrawing does not depend on it
        assert sub.withdraw(2) == [ids[3], ids[2]]
        assert sub.withdraw(5) == [ids[1]]
        assert sub.withdraw(1) == []
        assert live_ids(f, q) == {ids[0]}
        assert _state(f, q, ids[0]) == "RUNNING" and _priority(slurm_cluster, ids[0]) > 0
        c = view(f, q)
        assert (c.pending, c.running, c.done) == (0, 1, 3)
        # the withdrawn pilots never started: their lives say so, the running one's does not
        lives = f.hub.get(f.queues[q].batch_key).poll().pilots[q]  # type: ignore[union-attr]
        assert len(lives) == 4
        assert sum(1 for p in lives if p.started_at is None and p.ended_at is not None) == 3
        assert sum(1 for p in lives if p.started_at is not None and p.ended_at is None) == 1
    finally:
        sub.remove(ids)


def test_a_pilot_that_starts_between_the_decision_and_the_withdrawal_is_not_cancelled(
    conf_tree, slurm_cluster: SlurmCluster
) -> None:  # type: ignore[no-untyped-def]
    q = "SLURM_WITHDRAW_RACE"
    f = _cli_factory(conf_tree, slurm_cluster, q)
    sub = submitter(f, q)
    ids = [r.pilot_id for r in sub.submit(4)]
    try:
        stale = [p.pilot_id for p in sub.pending_pilots()]  # what the decision saw
        assert sorted(stale) == sorted(ids)
        _start(slurm_cluster, f, q, ids[1])
        assert sub.remove_pending(stale) == [i for i in stale if i != ids[1]]
        assert live_ids(f, q) == {ids[1]}
        assert _state(f, q, ids[1]) == "RUNNING"
        assert _priority(slurm_cluster, ids[1]) > 0  # held on the way, released again
    finally:
        sub.remove(ids)


def test_rest_mode_withdraws_only_pilots_that_have_not_started(slurm_cluster: SlurmCluster) -> None:
    # each pilot takes every CPU of the node: one runs, the others wait for it
    cpus = int(slurm_cluster.run("sinfo", "-h", "-o", "%c").split()[0])
    q = "SLURM_REST_WITHDRAW"
    etc, _ = rest_factory_tree(
        slurm_cluster,
        "rest-withdraw",
        f"""
        [{q}]
        wmsstatusplugin = Static
        batchsubmitplugin = Slurm
        schedplugin = Fixed
        sched.fixed.pilotspercycle = 0
        executable = /bin/sh
        executable.arguments = -c 'sleep 120'
        apfqueue.sleep = 0
        batchsubmit.slurm.mode = rest
        batchsubmit.slurm.rest.url = unix:{slurm_cluster.rest_socket}
        batchsubmit.slurm.time = 0:05:00
        batchsubmit.slurm.memory = 50M
        batchsubmit.slurm.cpus = {cpus}
        """,
    )
    f = Factory(RunOptions(conf=str(etc), services=False))
    qdir, _ = pilot_log_dir(f.ctx.settings, q)
    qdir.chmod(0o777)
    sub = submitter(f, q)
    ids = [r.pilot_id for r in sub.submit(4)]
    try:
        wait_until(lambda: _state(f, q, ids[0]) == "RUNNING", timeout=90, what="the first pilot running")
        stale = [p.pilot_id for p in sub.pending_pilots()]  # what the decision saw
        assert stale == ids[1:]
        # the running pilot leaves: the next one starts before the withdrawal is carried out
        sub.remove([ids[0]])
        wait_until(lambda: _state(f, q, ids[1]) == "RUNNING", timeout=90, what="the second pilot running")
        assert sub.remove_pending(stale) == ids[2:]
        assert live_ids(f, q) == {ids[1]}
        assert _priority(slurm_cluster, ids[1]) > 0  # held on the way, released again
        more = [r.pilot_id for r in sub.submit(2)]
        wait_until(lambda: len(sub.pending_pilots()) == 2, what="2 pilots pending")
        assert sub.withdraw(1) == [more[1]]
        assert live_ids(f, q) == {ids[1], more[0]}
        ids += more
    finally:
        sub.remove(ids)
        wait_until(lambda: not live_ids(f, q), what="all cancelled")
