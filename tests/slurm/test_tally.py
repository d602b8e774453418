"""Counting this factory's pilots from the controller's list plus accounting, without double counts."""

from __future__ import annotations

from autopyfactory.batch.slurm.jobs import SlurmJob
from autopyfactory.batch.slurm.tag import PilotTag
from autopyfactory.batch.slurm.tally import tally
from autopyfactory.model.batch import FinishedPilot

Q1, Q2, OTHER = PilotTag("fid", "Q1"), PilotTag("fid", "Q2"), PilotTag("another-factory", "Q1")


def job(
    pid: str,
    raw: str,
    state: str,
    tag: PilotTag | None = Q1,
    start: float | None = None,
    end: float | None = None,
) -> SlurmJob:
    return SlurmJob(pid, raw, state, tag, 100.0, start, end)


def test_live_jobs_are_counted_by_state_per_queue_and_foreign_jobs_ignored() -> None:
    live = [
        job("1_0", "1", "PENDING"), job("1_1", "1", "PENDING"), job("1_2", "7", "RUNNING", start=150),
        job("2", "2", "RUNNING", Q2, start=150), job("3", "3", "RUNNING", OTHER), job("4", "4", "RUNNING", None),
    ]  # fmt: skip
    out = tally(live, None, "fid", since=0)
    assert set(out) == {"Q1", "Q2"}
    assert dict(out["Q1"].states) == {"PENDING": 2, "RUNNING": 1}
    assert dict(out["Q2"].states) == {"RUNNING": 1}
    assert out["Q1"].finished == []


def test_finished_jobs_count_inside_the_window_once_whoever_reports_them() -> None:
    live = [
        job("1_0", "5", "COMPLETED", start=200, end=260),  # still in the controller's memory
        job("1_1", "6", "FAILED", start=200, end=90),  # ended before the window
    ]
    accounted = [
        job("5", "5", "COMPLETED", start=200, end=260),  # the same task under its raw id (sacct -c)
        job("1_2", "8", "CANCELLED", start=210, end=215),  # only accounting still knows it
        job("9", "9", "TIMEOUT", start=10, end=50),  # too old
        job("10", "10", "RUNNING", start=300),  # not final: the controller's list is authoritative
        job("11", "11", "COMPLETED", OTHER, start=200, end=260),
    ]
    out = tally(live, accounted, "fid", since=100)
    assert dict(out["Q1"].states) == {"COMPLETED": 1, "CANCELLED": 1}
    assert sorted(out["Q1"].finished, key=lambda f: f.started_at) == [
        FinishedPilot(200, 60),
        FinishedPilot(210, 5),
    ]


def test_a_pilot_cancelled_while_pending_is_a_life_that_never_started_not_a_finished_pilot() -> None:
    t = 1_800_000_000.0
    withdrawn = SlurmJob("9", "9", "CANCELLED", PilotTag("fid", "Q1"), t, t + 40, t + 40)
    died = SlurmJob("10", "10", "FAILED", PilotTag("fid", "Q1"), t, t + 40, t + 40)
    out = tally([withdrawn, died], None, "fid", t)["Q1"]
    assert out.finished == [FinishedPilot(t + 40, 0.0)]  # only the one that ran
    assert [(p.started_at, p.ended_at) for p in out.lives] == [(None, t + 40), (t + 40, t + 40)]
