"""The sbatch command line, its answer, and the command runner's timeout."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from autopyfactory.batch.slurm.request import JobOptions, SubmitRequest
from autopyfactory.batch.slurm.runner import SlurmError, run_command
from autopyfactory.batch.slurm.sbatch import parse_parsable, sbatch_argv
from autopyfactory.batch.slurm.tag import PilotTag

TAG = PilotTag("fid", "Q1")


def test_several_pilots_are_one_array_logging_under_their_pilot_ids() -> None:
    argv = sbatch_argv(SubmitRequest(TAG, 5, "script", Path("/logs/Q1")))
    assert argv[:2] == ["sbatch", "--parsable"]
    assert "--job-name=apf:fid:Q1" in argv and "--comment=apf:fid:Q1 autopyfactory pilot" in argv
    assert "--array=0-4" in argv
    assert "--output=/logs/Q1/%A_%a.out" in argv and "--error=/logs/Q1/%A_%a.err" in argv
    assert "--chdir=/logs/Q1" in argv  # the landing directory, unless the queue says otherwise


def test_one_pilot_is_a_plain_job_and_queue_options_are_passed_extra_options_last() -> None:
    opts = JobOptions(
        partition="p", account="a", qos="q", time_limit="1:00:00", cpus=8, memory="2G",
        export="NONE", chdir="/scratch", options=("--begin=now+60", "--partition=override"),
    )  # fmt: skip
    argv = sbatch_argv(SubmitRequest(TAG, 1, "script", Path("/logs"), opts), cluster="c2")
    assert not any(a.startswith("--array") for a in argv)
    assert "--output=/logs/%j.out" in argv
    for flag in (
        "--partition=p", "--account=a", "--qos=q", "--time=1:00:00", "--cpus-per-task=8", "--mem=2G",
        "--export=NONE", "--chdir=/scratch", "--clusters=c2",
    ):  # fmt: skip
        assert flag in argv
    assert argv[-2:] == ["--begin=now+60", "--partition=override"]


def test_pilot_ids_of_a_submission() -> None:
    assert SubmitRequest(TAG, 3, "", Path("/")).pilot_ids("41") == ["41_0", "41_1", "41_2"]
    assert SubmitRequest(TAG, 1, "", Path("/")).pilot_ids("41") == ["41"]


def test_parsable_answer() -> None:
    assert parse_parsable("17\n") == "17"
    assert parse_parsable("17;cluster2\n") == "17"
    with pytest.raises(SlurmError, match="no job id"):
        parse_parsable("sbatch: error: Batch job submission failed\n")


def test_a_command_that_hangs_is_killed_at_its_timeout() -> None:
    with pytest.raises(SlurmError, match=r"sleep did not answer within 0\.5s"):
        run_command(["sleep", "30"], timeout=0.5)


def test_a_hanging_command_whose_child_left_its_session_still_times_out(tmp_path: Path) -> None:
    # the child starts its own session (out of reach of the kill) and keeps stdout open
    pidfile = tmp_path / "pid"
    argv = ["sh", "-c", f"setsid sh -c 'echo $$ >{pidfile}; exec sleep 30' & sleep 30"]
    t0 = time.monotonic()
    try:
        with pytest.raises(SlurmError, match="did not answer within"):
            run_command(argv, timeout=0.5)
        assert time.monotonic() - t0 < 10
    finally:
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), signal.SIGKILL)


def test_missing_program_and_failure_are_clear_errors() -> None:
    with pytest.raises(SlurmError, match="cannot run no-such-squeue"):
        run_command(["no-such-squeue"], timeout=5)
    res = run_command(["sh", "-c", "echo 'squeue: error: Invalid user' >&2; exit 1"], timeout=5)
    with pytest.raises(SlurmError, match="sh exited 1: squeue: error: Invalid user"):
        res.check()
    assert run_command(["cat"], timeout=5, stdin="script text").check().stdout == "script text"
