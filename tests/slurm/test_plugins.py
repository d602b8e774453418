"""The Slurm plugins inside the factory, with stand-in Slurm commands: configuration, arrays,
one squeue per cluster per cycle, state mapping, accounting, retirement order, failures."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest

from autopyfactory.batch.slurm.status import SlurmBatchStatus
from autopyfactory.batch.slurm.submit import SlurmSubmit
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.loading.loader import load
from tests.slurm.fake_cli import FakeSlurm

QUEUE = """
[{name}]
wmsstatusplugin = Static
batchsubmitplugin = Slurm
schedplugin = Fixed
sched.fixed.pilotspercycle = {n}
executable = /bin/echo
executable.arguments = hello
apfqueue.sleep = 0
{extra}
"""


def queues(*specs: tuple[str, int, str]) -> dict[str, str]:
    return {"queues.conf": "".join(QUEUE.format(name=n, n=k, extra=e) for n, k, e in specs)}


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch).strftime("%Y-%m-%dT%H:%M:%S")


def squeue_line(raw: str, pid: str, state: str, queue: str, submit: float, end: float | None = None) -> str:
    e = stamp(end) if end else "N/A"
    start = stamp(submit + 1) if state != "PENDING" else "N/A"
    name = f"apf:test-factory:{queue}"
    return f"{raw}|{pid}|{state}|{stamp(submit)}|{start}|{e}|{name}|{name} autopyfactory pilot\n"


def test_slurm_keys_are_declared_and_checked(conf_tree, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    good = "batchsubmit.slurm.partition = p\nbatchsubmit.slurm.cpus = 4\nbatchsubmit.slurm.options = --x"
    bad = "batchsubmit.slurm.cpus = many\nbatchsubmit.slurm.mode = carrier-pigeon"
    no_url = "batchsubmit.slurm.mode = rest"
    bad_time = (
        "batchsubmit.slurm.mode = rest\nbatchsubmit.slurm.rest.url = unix:/s\nbatchsubmit.slurm.time = later"
    )
    etc = conf_tree(
        factory="batch.slurm.timeout = 5\nbatch.slurm.accounting = jobcomp\n",
        files=queues(("GOOD", 1, good), ("BAD", 1, bad), ("NOURL", 1, no_url), ("BADTIME", 1, bad_time)),
    )
    cfg = load(str(etc))
    assert cfg.queues["GOOD"].problems == [] and cfg.problems == []
    bad_keys = {p.key for p in cfg.queues["BAD"].errors}
    assert bad_keys == {"batchsubmit.slurm.cpus", "batchsubmit.slurm.mode"}
    f = Factory(RunOptions(conf=str(etc), services=False))
    assert set(f.queues) == {"GOOD"}
    assert "batchsubmit.slurm.rest.url" in caplog.text and "is required when mode = rest" in caplog.text
    assert "not a Slurm time limit: 'later'" in caplog.text


def test_pilots_are_submitted_as_arrays_split_at_maxarraysize(
    conf_tree, fake_slurm: FakeSlurm, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    extra = "batchsubmit.slurm.maxarraysize = 2\nbatchsubmit.slurm.partition = short\nbatchsubmit.slurm.environ = A=1"
    etc = conf_tree(files=queues(("Q", 5, extra)))
    f = Factory(RunOptions(conf=str(etc), services=False))
    sub = f.queues["Q"].submitter
    records = sub.submit(5)
    assert [r.pilot_id for r in records] == ["41_0", "41_1", "42_0", "42_1", "43"]
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert records[4].log_url == f"http://localhost:25880/{day}/Q/43.out"
    calls = fake_slurm.sbatch_calls()
    assert [[a for a in args if a.startswith("--array")] for args, _ in calls] == [
        ["--array=0-1"], ["--array=0-1"], [],
    ]  # fmt: skip
    args, script = calls[0]
    assert "--partition=short" in args and f"--output={tmp_path}/logs/{day}/Q/%A_%a.out" in args
    assert "export APFFID=test-factory" in script and "export A=1" in script
    assert script.rstrip().endswith("exec /bin/echo hello")


def test_a_failed_sbatch_is_a_queue_error_with_slurms_message(conf_tree, fake_slurm: FakeSlurm) -> None:  # type: ignore[no-untyped-def]
    fake_slurm.file("sbatch.fail").write_text("sbatch: error: invalid partition specified: nosuch\n")
    f = Factory(RunOptions(conf=str(conf_tree(files=queues(("Q", 2, "")))), services=False))
    out = f.run_cycle().outcomes[0]
    assert out.action == "error" and "invalid partition specified: nosuch" in out.error


def test_one_squeue_per_cycle_per_cluster_shared_by_its_queues(conf_tree, fake_slurm: FakeSlurm) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    fake_slurm.file("squeue.txt").write_text(
        squeue_line("7", "7_0", "PENDING", "A", now)
        + squeue_line("7", "7_1", "PENDING", "A", now)
        + squeue_line("9", "9", "RUNNING", "A", now)
        + squeue_line("10", "10", "COMPLETING", "B", now)
        + squeue_line("11", "11", "CANCELLED", "B", now - 60, end=now - 30)
        + squeue_line("12", "12", "FAILED", "B", now - 9000, end=now - 8000)  # outside the done window
        + squeue_line("13", "13", "RUNNING", "C", now)  # C is on the other cluster
        + "14|14|RUNNING|N/A|N/A|N/A|someone-else|(null)\n"
    )
    fake_slurm.file("sacct-c.txt").write_text(
        f"31|31|COMPLETED|{stamp(now - 100)}|{stamp(now - 90)}|{stamp(now - 20)}|apf:test-factory:A\n"
    )
    other = "batchsubmit.slurm.slurmconf = /elsewhere/slurm.conf"
    etc = conf_tree(files=queues(("A", 0, ""), ("B", 0, ""), ("C", 0, other)))
    f = Factory(RunOptions(conf=str(etc), services=False))
    assert f.queues["A"].batch_key == f.queues["B"].batch_key != f.queues["C"].batch_key
    report = f.run_cycle()
    assert len(fake_slurm.lines("squeue.calls")) == 2  # two clusters
    snap = {o.queue: o.snapshot for o in report.outcomes}
    assert (snap["A"].pending, snap["A"].running) == (2, 1)  # type: ignore[union-attr]
    assert (snap["B"].pending, snap["B"].running) == (0, 1)  # type: ignore[union-attr]
    view = f.hub.get(f.queues["A"].batch_key).poll()  # type: ignore[union-attr]
    assert view.queue("A").done == 1 and view.queue("B").done == 1
    assert [(p.started_at, p.wallclock) for p in view.finished["A"]] == [
        (pytest.approx(now - 90, abs=1), 70.0)
    ]
    # accounting detected once per cluster (sacct: disabled here, sacct -c works), then sacct -c only
    calls = [c.split()[0] for c in fake_slurm.lines("sacct.calls")]
    assert (calls.count("-X"), calls.count("-c")) == (2, 5)


def test_accounting_failure_costs_only_the_accounted_pilots(conf_tree, fake_slurm: FakeSlurm) -> None:  # type: ignore[no-untyped-def]
    fake_slurm.file("squeue.txt").write_text(squeue_line("9", "9", "RUNNING", "A", time.time()))
    etc = conf_tree(factory="batch.slurm.accounting = sacct\n", files=queues(("A", 0, "")))
    f = Factory(RunOptions(conf=str(etc), services=False))
    status = f.hub.get(f.queues["A"].batch_key)
    assert isinstance(status, SlurmBatchStatus)
    assert status.poll().queue("A").running == 1  # sacct said "accounting storage is disabled"


def test_a_hanging_squeue_is_an_error_after_the_timeout(conf_tree, fake_slurm: FakeSlurm) -> None:  # type: ignore[no-untyped-def]
    fake_slurm.file("squeue.sleep").write_text("30")
    etc = conf_tree(factory="batch.slurm.timeout = 1\n", files=queues(("A", 1, "")))
    f = Factory(RunOptions(conf=str(etc), services=False))
    out = f.run_cycle().outcomes[0]
    assert out.submitted == 0 and "squeue did not answer within 1s" in out.action


@pytest.mark.parametrize(
    ("killorder", "expected"),
    [("newest", ["8_1", "8_0", "7_2"]), ("oldest", ["7_0", "7_1", "7_2"])],
)
def test_retirement_cancels_live_pilots_in_killorder(
    conf_tree, fake_slurm: FakeSlurm, killorder: str, expected: list[str]
) -> None:  # type: ignore[no-untyped-def]
    now = time.time()
    fake_slurm.file("squeue.txt").write_text(
        squeue_line("7", "7_2", "PENDING", "A", now - 100)
        + squeue_line("7", "7_0", "RUNNING", "A", now - 100)
        + squeue_line("7", "7_1", "RUNNING", "A", now - 100)
        + squeue_line("8", "8_0", "PENDING", "A", now - 10)
        + squeue_line("8", "8_1", "PENDING", "A", now - 10)
        + squeue_line("6", "6", "COMPLETED", "A", now - 10, end=now - 5)  # not live
        + squeue_line("5", "5", "RUNNING", "OTHERQ", now)  # another queue
    )
    extra = f"batchsubmit.slurm.peaceful = False\nbatchsubmit.slurm.killorder = {killorder}"
    etc = conf_tree(files=queues(("A", -3, extra)))
    f = Factory(RunOptions(conf=str(etc), services=False))
    out = f.run_cycle().outcomes[0]
    assert out.retired == 3
    assert fake_slurm.lines("scancel.calls") == [" ".join(expected)]


def test_peaceful_retirement_cancels_nothing(conf_tree, fake_slurm: FakeSlurm) -> None:  # type: ignore[no-untyped-def]
    fake_slurm.file("squeue.txt").write_text(squeue_line("7", "7", "RUNNING", "A", time.time()))
    f = Factory(RunOptions(conf=str(conf_tree(files=queues(("A", -1, "")))), services=False))
    assert isinstance(f.queues["A"].submitter, SlurmSubmit)
    assert f.run_cycle().outcomes[0].retired == 0
    assert fake_slurm.lines("scancel.calls") == []
