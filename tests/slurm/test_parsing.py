"""Parsing what Slurm 22.05 prints (text captured from a real cluster) and the pilot tag."""

from __future__ import annotations

from datetime import datetime

import pytest

from autopyfactory.batch.slurm.jobs import base_state, expand_indexes, format_time, parse_time
from autopyfactory.batch.slurm.limits import memory_mb, time_minutes
from autopyfactory.batch.slurm.sacct import parse_sacct, sacct_argv
from autopyfactory.batch.slurm.squeue import parse_squeue, squeue_argv
from autopyfactory.batch.slurm.tag import PilotTag

SQUEUE = """\
1|1_0|PENDING|2026-11-21T22:29:44|N/A|N/A|apf:fid:Q1|apf:fid:Q1 autopyfactory pilot
1|1_3|PENDING|2026-11-21T22:29:44|N/A|N/A|apf:fid:Q1|apf:fid:Q1 autopyfactory pilot
4|1_1|RUNNING|2026-11-21T22:29:44|2026-11-21T22:29:45|2026-11-21T22:34:45|apf:fid:Q1|apf:fid:Q1 autopyfactory pilot
2|2|COMPLETED|2026-11-21T22:29:44|2026-11-21T22:29:44|2026-11-21T22:29:46|wrap|(null)
7|7|CANCELLED|2026-11-21T22:29:44|2026-11-21T22:29:45|2026-11-21T22:29:50|a|b|c|(null)
"""


def ts(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_squeue_lines_become_jobs_with_pilot_and_raw_ids() -> None:
    jobs = parse_squeue("CLUSTER: apftest\n" + SQUEUE)
    assert [(j.pilot_id, j.raw_id, j.state) for j in jobs] == [
        ("1_0", "1", "PENDING"),
        ("1_3", "1", "PENDING"),
        ("1_1", "4", "RUNNING"),
        ("2", "2", "COMPLETED"),
        ("7", "7", "CANCELLED"),
    ]
    pending, _, running, done, odd = jobs
    assert pending.tag == PilotTag("fid", "Q1") and pending.started_at is None
    assert running.started_at == ts("2026-11-21T22:29:45") and not running.final
    assert done.tag is None and done.final and done.ended_at == ts("2026-11-21T22:29:46")
    assert odd.tag is None  # a foreign job whose name holds the separator is just not ours
    assert (pending.index, running.index, done.index) == (0, 1, 0)


def test_squeue_asks_for_every_state_one_line_per_array_task() -> None:
    argv = squeue_argv("other")
    assert argv[:2] == ["squeue", "--me"]
    assert "-r" in argv and argv[argv.index("-t") + 1] == "all" and argv[-2:] == ["-M", "other"]


def test_sacct_lines_and_command() -> None:
    text = (
        "5|5|COMPLETED|2026-11-21T22:29:44|2026-11-21T22:29:44|2026-11-21T22:29:47|apf:fid:Q1\n"
        "9|3_2|CANCELLED by 0|2026-11-21T22:29:44|2026-11-21T22:29:45|2026-11-21T22:29:49|apf:fid:Q2\n"
        "10|10|RUNNING|2026-11-21T22:29:44|2026-11-21T22:29:45|Unknown|apf:fid:Q2\n"
    )
    jobs = parse_sacct(text)
    assert [(j.pilot_id, j.raw_id, j.state, j.final) for j in jobs] == [
        ("5", "5", "COMPLETED", True),
        ("3_2", "9", "CANCELLED", True),
        ("10", "10", "RUNNING", False),
    ]
    assert jobs[2].ended_at is None
    plain = sacct_argv(ts("2026-11-21T22:00:00"), jobcomp=False)
    assert plain[:2] == ["sacct", "-X"] and plain[plain.index("-S") + 1] == "2026-11-21T22:00:00"
    assert sacct_argv(0, jobcomp=True)[:2] == ["sacct", "-c"]


@pytest.mark.parametrize(
    ("fid", "queue"),
    [("fid", "Q1"), ("my factory", "ANALY_X:ce/1|2"), ("a:b", "%41"), ("ü", "q q")],
)
def test_tag_round_trips_through_name_and_comment(fid: str, queue: str) -> None:
    tag = PilotTag(fid, queue)
    name = tag.render()
    assert " " not in name and "|" not in name and name.count(":") == 2
    assert PilotTag.parse(name) == tag
    assert PilotTag.parse(tag.comment()) == tag
    assert PilotTag.of_job("renamed by someone", tag.comment()) == tag


@pytest.mark.parametrize("text", ["", "wrap", "apf:", "apf:x", "apf:x:", "apf::q", "apf:a:b:c", "(null)"])
def test_foreign_names_are_not_tags(text: str) -> None:
    assert PilotTag.parse(text) is None


def test_states_times_and_array_indexes() -> None:
    assert base_state("CANCELLED by 0") == "CANCELLED"
    assert base_state("COMPLETING+") == "COMPLETING"
    assert parse_time("N/A") is None and parse_time("Unknown") is None and parse_time("None") is None
    assert parse_time(format_time(1_800_000_000)) == 1_800_000_000
    assert expand_indexes("0-3") == [0, 1, 2, 3]
    assert expand_indexes("[1,3,5-9:2]%2") == [1, 3, 5, 7, 9]
    assert expand_indexes("0,2,4") == [0, 2, 4]


def test_time_and_memory_for_slurmrestd() -> None:
    assert [time_minutes(t) for t in ("5", "5:30", "1:00:00", "2-0", "1-02:03", "0-0:0:1")] == [
        5, 6, 60, 2880, 1563, 1,
    ]  # fmt: skip
    assert [memory_mb(m) for m in ("2000", "2000M", "2G", "1.5G", "512K", "1T")] == [
        2000, 2000, 2048, 1536, 1, 1048576,
    ]  # fmt: skip
    for bad in ("soon", "1:x"):
        with pytest.raises(ValueError, match="time limit"):
            time_minutes(bad)
    with pytest.raises(ValueError, match="memory"):
        memory_mb("lots")


def test_held_pending_lines_are_those_pending_with_priority_zero() -> None:
    from autopyfactory.batch.slurm.squeue import held_pending_argv, parse_held_pending

    text = "CLUSTER: apftest\n5_1|PENDING|0\n5_2|PENDING|4294901754\n6|RUNNING|0\n7|PENDING|0\n"
    assert parse_held_pending(text) == {"5_1", "7"}
    assert held_pending_argv("c1")[-2:] == ["-M", "c1"]


def test_a_pilot_life_starts_only_when_the_job_ran() -> None:
    from autopyfactory.batch.slurm.jobs import SlurmJob

    tag = PilotTag("fid", "Q1")
    t = ts("2026-11-21T22:29:44")

    def life(state: str, start: float | None, end: float | None) -> tuple[float | None, float | None]:
        p = SlurmJob("1", "1", state, tag, t, start, end).lives()
        assert p is not None and p.submitted_at == t
        return p.started_at, p.ended_at

    assert life("PENDING", t + 600, t + 900) == (None, None)  # squeue's expected start and end
    assert life("RUNNING", t + 5, t + 3600) == (t + 5, None)  # the end is the time limit's
    assert life("COMPLETED", t + 5, t + 6) == (t + 5, t + 6)  # a pilot that died at once
    assert life("CANCELLED", t + 50, t + 50) == (None, t + 50)  # cancelled while pending
    assert life("CANCELLED", t + 5, t + 50) == (t + 5, t + 50)  # removed while running
    assert SlurmJob("1", "1", "PENDING", tag).lives() is None
