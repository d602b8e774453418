"""Helpers of the live Slurm tests: queue files, waiting, the factory's view of one queue."""

from __future__ import annotations

import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from autopyfactory.batch.slurm.submit import SlurmSubmit
from autopyfactory.engine.factory import Factory
from autopyfactory.model.batch import BatchQueueInfo
from tests.slurm.conftest import SlurmCluster

QUEUE = """
[{name}]
enabled = True
wmsqueue = SITE
wmsstatusplugin = Static
batchsubmitplugin = Slurm
schedplugin = Fixed
sched.fixed.pilotspercycle = {n}
executable = /bin/sh
executable.arguments = -c '{script}'
apfqueue.sleep = 0
batchsubmit.slurm.slurmconf = {conf}
batchsubmit.slurm.time = 5
{extra}
"""


def queue_file(name: str, n: int, script: str, conf: str, extra: str = "") -> str:
    return QUEUE.format(name=name, n=n, script=script, conf=conf, extra=extra)


def wait_until(pred: Callable[[], bool], timeout: float = 40.0, what: str = "condition") -> None:
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not reached within {timeout:g}s")


def view(f: Factory, queue: str) -> BatchQueueInfo:
    """The queue's counts from a fresh poll of its (shared) Slurm status instance."""
    inst = f.hub.get(f.queues[queue].batch_key)
    assert inst is not None
    return inst.poll().queue(queue)  # type: ignore[attr-defined, no-any-return]


def submitter(f: Factory, queue: str) -> SlurmSubmit:
    s = f.queues[queue].submitter
    assert isinstance(s, SlurmSubmit)
    return s


def live_ids(f: Factory, queue: str) -> set[str]:
    return {p.pilot_id for p in submitter(f, queue).list_pilots()}


def out_files(logs: Path, queue: str) -> list[Path]:
    day = time.strftime("%Y-%m-%d", time.gmtime())
    return sorted((logs / day / queue).glob("*.out"))


def rest_factory_tree(cluster: SlurmCluster, name: str, queue: str) -> tuple[Path, Path]:
    """A factory configuration for a queue submitting through the cluster's slurmrestd: (etc, logs).
    ``queue`` is the text of queues.conf. Skips the test when the cluster has no slurmrestd. The
    pilots run as the slurmrestd user, so the log directory is open to it."""
    if cluster.rest_socket is None or cluster.base is None:
        pytest.skip("no slurmrestd in this cluster (SLURM_CONF given, or slurmrestd not installed)")
    top = cluster.base / name
    logs = top / "logs"
    logs.mkdir(parents=True)
    logs.chmod(0o777)
    etc = top / "etc"
    etc.mkdir()
    (etc / "autopyfactory.conf").write_text(
        textwrap.dedent(f"""
        [Factory]
        factoryId = {name}
        factoryUser = tester
        baseLogDir = {logs}
        baseLogDirUrl = http://localhost:25880
        statedir = {top}/state
        logserver.enabled = False
        """)
    )
    (etc / "queues.conf").write_text(textwrap.dedent(queue))
    return etc, logs
