"""Small scenarios for the simulator's tests (hours, not days, so the suite stays quick)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from autopyfactory.sim.scenario import Scenario
from autopyfactory.sim.scenario_load import load_scenario

SMALL = """
[simulation]
duration = "6h"
seed = 3
cycle = "6m"
wms_refresh = "2m"

[[site]]
name = "CE_A"
slots = 60
latency_median = "5m"
latency_sigma = 1.0
never_start = 0.05
walltime = "48h"

[[site]]
name = "CE_B"
slots = 30
latency_median = "20m"
latency_sigma = 0.8

[[wmsqueue]]
name = "PANDA_A"
sites = ["CE_A", "CE_B"]

[[wmsqueue]]
name = "ANALY_C"
sites = ["CE_C"]

[[site]]
name = "CE_C"
slots = 40
latency_median = "3m"
start_failure = 0.1

[[jobs.stream]]
wmsqueue = "PANDA_A"
kind = "steady"
per_hour = 40
duration = "40m"
duration_sigma = 0.8

[[jobs.stream]]
wmsqueue = "ANALY_C"
kind = "task"
start = "30m"
jobs = 150
scouts = 5
duration = "20m"
duration_sigma = 0.5

[[event]]
at = "2h"
site = "CE_C"
start_failure = 1.0

[[event]]
at = "3h"
site = "CE_C"
start_failure = 0.0
slots = 20

[[event]]
at = "1h"
wmsqueue = "PANDA_A"
status = "brokeroff"

[[event]]
at = "1.5h"
wmsqueue = "PANDA_A"
status = "offline"

[[event]]
at = "2h"
wmsqueue = "PANDA_A"
status = "online"

[[event]]
at = "4h"
wmsqueue = "PANDA_A"
burst = 80
burst_duration = "30m"
"""


def write_scenario(tmp: Path, text: str = SMALL, name: str = "small.toml") -> Path:
    p = tmp / name
    p.write_text(textwrap.dedent(text).lstrip("\n"))
    return p


def small(tmp: Path, text: str = SMALL) -> Scenario:
    return load_scenario(write_scenario(tmp, text))
