"""The scenario file: the issue's example loads as written; every mistake names the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from autopyfactory.sim.durations import BadDuration, format_duration, parse_duration
from autopyfactory.sim.scenario_load import ScenarioError, load_scenario
from autopyfactory.sim.trace import TraceError, read_trace
from autopyfactory.sim.workload import build_workload
from tests.sim.helpers import write_scenario

EXAMPLE = """
[simulation]
duration = "24h"
seed = 1
cycle = "6m"                # apfqueue.sleep of the simulated factory
wms_refresh = "2m"          # how often the WMS recomputes its job counts

[[site]]
name = "CE_A"
slots = 400
latency_median = "10m"
latency_sigma = 1.0
never_start = 0.02          # share of pilots that never start
start_failure = 0.0         # share of pilots that die within seconds (1.0 = black hole)
walltime = "48h"

[[wmsqueue]]
name = "PANDA_A"
sites = ["CE_A"]            # one APF queue per site is generated unless --conf gives queues.conf
status = "online"

[jobs]
trace = "jobs.csv"          # relative to the scenario file; columns: arrival_s,wmsqueue,duration_s

[pilot]
getjob_tries = 2
getjob_delay = "60s"

[[event]]
at = "6h"
site = "CE_A"
start_failure = 1.0         # any field of a site may change at an event time (slots, latency_*, ...)

[[event]]
at = "9h"
wmsqueue = "PANDA_A"
status = "brokeroff"        # and any field of a WMS queue
"""


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90.0),
        ("90", 90.0),
        ("90s", 90.0),
        ("6m", 360.0),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("1.5h", 5400.0),
        (2.5, 2.5),
    ],
)
def test_durations(text: object, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("bad", ["6 minutes", "-5s", "h", "", True, None, [1], "1e999"])
def test_bad_durations(bad: object) -> None:
    with pytest.raises(BadDuration):
        parse_duration(bad)


def test_format_duration() -> None:
    assert [format_duration(x) for x in (45, 750, 3 * 3600)] == ["45s", "12.5m", "3.0h"]


def test_the_issues_example_loads(tmp_path: Path) -> None:
    (tmp_path / "jobs.csv").write_text("arrival_s,wmsqueue,duration_s\n0,PANDA_A,3600\n120.5,PANDA_A,60\n")
    s = load_scenario(write_scenario(tmp_path, EXAMPLE))
    assert s.simulation.duration == 86400 and s.simulation.cycle == 360 and s.simulation.wms_refresh == 120
    site = s.site("CE_A")
    assert (site.slots, site.latency_median, site.never_start, site.walltime) == (400, 600, 0.02, 172800)
    assert s.pilot.getjob_tries == 2 and s.pilot.getjob_delay == 60
    assert [(e.at, e.site, e.wmsqueue, e.changes) for e in s.events] == [
        (21600, "CE_A", None, (("start_failure", 1.0),)),
        (32400, None, "PANDA_A", (("status", "brokeroff"),)),
    ]
    w = build_workload(s)
    assert [(j.arrival, j.duration) for j in w.jobs] == [(0.0, 3600.0), (120.5, 60.0)]


@pytest.mark.parametrize(
    ("change", "key", "words"),
    [
        (("latency_sigma = 1.0", "latency_sigma = 'wide'"), "site[0].latency_sigma", "expected a number"),
        (('latency_median = "10m"', 'latency_median = "10 min"'), "site[0].latency_median", "duration"),
        (('walltime = "48h"', 'walltme = "48h"'), "site[0].walltme", "did you mean 'walltime'"),
        (("never_start = 0.02", "never_start = 2"), "site[0].never_start", "between 0 and 1"),
        (('sites = ["CE_A"]', 'sites = ["CE_X"]'), "wmsqueue[0].sites", "no [[site]] named 'CE_X'"),
        (
            ('status = "online"', 'status = "up"'),
            "wmsqueue[0].status",
            "one of online, test, brokeroff, offline",
        ),
        (('cycle = "6m"', 'cycle = "0s"'), "simulation.cycle", "> 0"),
        (("getjob_tries = 2", "getjob_tries = 0"), "pilot.getjob_tries", ">= 1"),
        (
            ('at = "6h"\nsite = "CE_A"', 'at = "6h"\nsite = "CE_A"\nwmsqueue = "PANDA_A"'),
            "event[0]",
            "exactly one",
        ),
        (("start_failure = 1.0         #", "slotz = 3 #"), "event[0].slotz", "unknown key"),
        (('trace = "jobs.csv"', 'trace = "missing.csv"'), "jobs.trace", "no such file"),
        (("[pilot]", "[pilots]"), "pilots", "did you mean 'pilot'"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, change: tuple[str, str], key: str, words: str) -> None:
    (tmp_path / "jobs.csv").write_text("0,PANDA_A,60\n")
    text = EXAMPLE.replace(*change, 1)
    assert text != EXAMPLE
    with pytest.raises(ScenarioError) as info:
        load_scenario(write_scenario(tmp_path, text))
    assert info.value.key == key
    assert words in str(info.value)
    assert str(tmp_path / "small.toml") in str(info.value)


def test_not_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(write_scenario(tmp_path, "[simulation\n"))
    with pytest.raises(ScenarioError, match="cannot read it"):
        load_scenario(tmp_path / "nope.toml")


def test_a_site_that_serves_nothing_is_an_error(tmp_path: Path) -> None:
    text = EXAMPLE.replace('[jobs]\ntrace = "jobs.csv"', "") + '\n[[site]]\nname = "CE_LONELY"\nslots = 1\n'
    with pytest.raises(ScenarioError, match=r"CE_LONELY.*serves no WMS queue"):
        load_scenario(write_scenario(tmp_path, text))


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("0,PANDA_A", "expected 3 columns"),
        ("soon,PANDA_A,60", "must be numbers"),
        ("0,PANDA_Z,60", "no [[wmsqueue]] named 'PANDA_Z'"),
        ("-1,PANDA_A,60", ">= 0"),
        ("5,PANDA_A,0", "duration_s > 0"),
    ],
)
def test_trace_errors_name_the_line(tmp_path: Path, line: str, words: str) -> None:
    f = tmp_path / "t.csv"
    f.write_text(f"# a comment\narrival_s,wmsqueue,duration_s\n10,PANDA_A,60\n{line}\n")
    with pytest.raises(TraceError) as info:
        read_trace(f, {"PANDA_A"})
    assert f"{f}:4:" in str(info.value) and words in str(info.value)


def test_trace_is_sorted_and_header_optional(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("50,PANDA_A,60\n10,PANDA_A,30\n")
    assert [j.arrival for j in read_trace(f, {"PANDA_A"})] == [10.0, 50.0]


def test_generated_work_is_deterministic_and_shaped(tmp_path: Path) -> None:
    text = """
    [[site]]
    name = "S"
    slots = 10
    [[wmsqueue]]
    name = "W"
    sites = ["S"]
    [[jobs.stream]]
    wmsqueue = "W"
    kind = "diurnal"
    per_hour = 100
    amplitude = 0.9
    peak_hour = 15
    duration = "40m"
    duration_sigma = 1.0
    [[jobs.stream]]
    wmsqueue = "W"
    kind = "tasks"
    per_hour = 0.5
    scouts = 10
    duration = "2h"
    """
    s = load_scenario(write_scenario(tmp_path, text))
    a, b = build_workload(s), build_workload(s)
    assert [(j.arrival, j.duration) for j in a.jobs] == [(j.arrival, j.duration) for j in b.jobs]
    other = build_workload(s.with_seed(2))
    assert [j.arrival for j in other.jobs] != [j.arrival for j in a.jobs]
    diurnal = [j.arrival for j in a.jobs if j.task < 0 and j.arrival is not None and j.duration < 40 * 3600]
    afternoon = sum(1 for t in diurnal if 12 * 3600 <= t % 86400 < 18 * 3600)
    night = sum(1 for t in diurnal if 0 <= t % 86400 < 6 * 3600)
    assert afternoon > 3 * night  # the rate swings with the hour of day
    assert all(j.duration <= 0.9 * 172800 for j in a.jobs)  # PanDA sizes jobs to fit the walltime
    for t in a.tasks.values():
        assert 0 <= t.scouts_left <= 10 and len(t.avalanche) + t.scouts_left >= 10
    assert a.unreleased == sum(len(t.avalanche) for t in a.tasks.values())
