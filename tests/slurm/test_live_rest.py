"""The slurmrestd mode against the real cluster: slurmrestd runs as an unprivileged user on a unix
socket (rest_auth/local); pilots are submitted, listed and cancelled over HTTP."""

from __future__ import annotations

import pytest

from autopyfactory.batch.logdir import pilot_log_dir
from autopyfactory.batch.slurm.rest import SlurmRest
from autopyfactory.batch.slurm.status import SlurmBatchStatus
from autopyfactory.engine.factory import Factory, RunOptions
from tests.slurm.conftest import SlurmCluster
from tests.slurm.live import live_ids, out_files, rest_factory_tree, submitter, view, wait_until

pytestmark = [pytest.mark.slurm, pytest.mark.timeout(120)]


def test_rest_mode_submits_lists_and_cancels_pilots(slurm_cluster: SlurmCluster) -> None:
    q = "SLURM_REST"
    etc, logs = rest_factory_tree(
        slurm_cluster,
        "rest-factory",
        f"""
        [{q}]
        wmsstatusplugin = Static
        batchsubmitplugin = Slurm
        schedplugin = Fixed
        sched.fixed.pilotspercycle = 3
        executable = /bin/sh
        executable.arguments = -c 'echo "$APFCID $FACTORYQUEUE"; sleep 60'
        apfqueue.sleep = 0
        batchsubmit.slurm.mode = rest
        batchsubmit.slurm.rest.url = unix:{slurm_cluster.rest_socket}
        batchsubmit.slurm.time = 0:05:00
        batchsubmit.slurm.memory = 50M
        batchsubmit.slurm.peaceful = False
        """,
    )
    f = Factory(RunOptions(conf=str(etc), services=False))
    status = f.hub.get(f.queues[q].batch_key)
    assert isinstance(status, SlurmBatchStatus) and isinstance(status.backend, SlurmRest)
    assert status.backend.ping()
    # pilots run as the slurmrestd user: their log directory must be writable for it
    qdir, _ = pilot_log_dir(f.ctx.settings, q)
    qdir.chmod(0o777)
    assert f.run_cycle().outcomes[0].action == "submitted 3"
    ids = sorted(live_ids(f, q))
    job = ids[0].split("_")[0]
    assert ids == [f"{job}_{i}" for i in range(3)]
    wait_until(lambda: view(f, q).running == 3, what="3 pilots running")
    wait_until(lambda: len(out_files(logs, q)) == 3 and all(p.stat().st_size for p in out_files(logs, q)))
    for p in out_files(logs, q):
        assert p.read_text().split() == [p.name[: -len(".out")], q]

    assert submitter(f, q).retire(2) == [f"{job}_2", f"{job}_1"]
    wait_until(lambda: live_ids(f, q) == {f"{job}_0"}, what="2 pilots cancelled")
    wait_until(lambda: (view(f, q).running, view(f, q).done) == (1, 2), what="counts 1 running, 2 done")
    submitter(f, q).remove([f"{job}_0"])
    wait_until(lambda: not live_ids(f, q), what="all cancelled")
