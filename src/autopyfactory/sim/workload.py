"""The work of a scenario: its trace, its generated streams and its bursts, as jobs.

Generation is deterministic for a seed and independent of the policy: every policy run of a scenario
sees the same jobs, arriving at the same times (avalanches follow their scouts, so only their release
time depends on how fast the scouts ran)."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from autopyfactory.sim.entities import Job
from autopyfactory.sim.scenario import DurationDist, Scenario, StreamSpec
from autopyfactory.sim.trace import read_trace

TASK_MIN, TASK_MAX = 10, 10_000


@dataclass
class Task:
    """A JEDI task: its scouts run first; the rest is released at once when the last scout is done."""

    tid: int
    wmsqueue: str
    scouts_left: int
    avalanche: list[Job] = field(default_factory=list)


@dataclass
class Workload:
    """A scenario's jobs: those with an arrival, sorted by it, the tasks, and how many avalanche jobs wait
    for their scouts."""

    jobs: list[Job]  # jobs with an arrival time, sorted by it
    tasks: dict[int, Task]
    unreleased: int  # avalanche jobs waiting for their scouts

    @property
    def total(self) -> int:
        return len(self.jobs) + self.unreleased


def draw_duration(rng: random.Random, d: DurationDist) -> float:
    x = d.median if d.sigma <= 0 else rng.lognormvariate(math.log(d.median), d.sigma)
    if d.maximum is not None:
        x = min(x, d.maximum)
    return max(x, 1.0)


class _Builder:
    def __init__(self) -> None:
        self.jobs: list[Job] = []
        self.tasks: dict[int, Task] = {}
        self.unreleased = 0

    def job(self, wmsqueue: str, arrival: float | None, duration: float, task: int = -1) -> Job:
        j = Job(0, wmsqueue, arrival, duration, task)
        if arrival is None:
            self.unreleased += 1
        else:
            self.jobs.append(j)
        return j

    def task(self, rng: random.Random, s: StreamSpec, at: float, size: int) -> None:
        tid = len(self.tasks)
        scouts = min(s.scouts, size)
        t = Task(tid, s.wmsqueue, scouts)
        self.tasks[tid] = t
        for _ in range(scouts):
            self.job(s.wmsqueue, at, draw_duration(rng, s.duration), tid if scouts else -1)
        for _ in range(size - scouts):
            j = self.job(s.wmsqueue, None if scouts else at, draw_duration(rng, s.duration))
            if scouts:
                t.avalanche.append(j)


def _poisson_times(rng: random.Random, per_hour: float, start: float, end: float) -> list[float]:
    out: list[float] = []
    rate = per_hour / 3600.0
    if rate <= 0:  # also a rate so small that it underflows
        return out
    t = start + rng.expovariate(rate)
    while t < end:
        out.append(t)
        t += rng.expovariate(rate)
    return out


def _stream(b: _Builder, rng: random.Random, s: StreamSpec, horizon: float) -> None:
    end = min(s.end if s.end is not None else horizon, horizon)
    if s.kind == "steady":
        for t in _poisson_times(rng, s.per_hour, s.start, end):
            b.job(s.wmsqueue, t, draw_duration(rng, s.duration))
    elif s.kind == "diurnal":
        peak = s.per_hour * (1 + s.amplitude)
        for t in _poisson_times(rng, peak, s.start, end):
            rate = s.per_hour * (1 + s.amplitude * math.cos(2 * math.pi * (t / 3600.0 - s.peak_hour) / 24.0))
            if rng.random() * peak < rate:
                b.job(s.wmsqueue, t, draw_duration(rng, s.duration))
    elif s.kind == "task":
        if s.start < horizon:
            b.task(rng, s, s.start, s.jobs)
    elif s.kind == "tasks":
        for t in _poisson_times(rng, s.per_hour, s.start, end):
            raw = rng.lognormvariate(math.log(max(s.size_median, 1.0)), s.size_sigma)
            b.task(rng, s, t, min(TASK_MAX, max(TASK_MIN, round(raw))))
    else:  # validated by the loader
        raise ValueError(f"unknown stream kind {s.kind!r}")


def build_workload(scenario: Scenario) -> Workload:
    seed = scenario.simulation.seed
    horizon = scenario.simulation.duration
    b = _Builder()
    if scenario.trace is not None:
        for tj in read_trace(scenario.trace, {w.name for w in scenario.wmsqueues}):
            if tj.arrival < horizon:
                b.job(tj.wmsqueue, tj.arrival, tj.duration)
    for i, s in enumerate(scenario.streams):
        _stream(b, random.Random(f"{seed}:stream:{i}"), s, horizon)
    for e in scenario.events:
        if e.burst is not None and e.wmsqueue is not None and e.at < horizon:
            rng = random.Random(f"{seed}:burst:{e.index}")
            for _ in range(e.burst.jobs):
                b.job(e.wmsqueue, e.at, draw_duration(rng, e.burst.duration))
    b.jobs.sort(key=lambda j: j.arrival if j.arrival is not None else math.inf)
    jid = 0
    for j in b.jobs:
        j.jid = jid
        jid += 1
    for t in b.tasks.values():
        for j in t.avalanche:
            j.jid = jid
            jid += 1
    return Workload(b.jobs, b.tasks, b.unreleased)
