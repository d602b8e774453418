"""Running a scenario: one policy (or an operator's configuration) through the factory cycle, and
the clairvoyant lower bound, each on a fresh world built from the same seed."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.sim.conservation import conservation_problems
from autopyfactory.sim.engine_driver import EngineDriver
from autopyfactory.sim.metrics import RunMetrics, measure
from autopyfactory.sim.oracle import LOWER_BOUND, Clairvoyant
from autopyfactory.sim.plugins.registry import simulation_registry
from autopyfactory.sim.queues import OWN, load_for_world, operator_conf_dir, write_generated
from autopyfactory.sim.scenario import Scenario
from autopyfactory.sim.timeline import Timeline
from autopyfactory.sim.workload import build_workload
from autopyfactory.sim.world import World

NEW_POLICY = "leadtime"
PEERS = ("apf24", "harvester", "glideinwms", "keda", "cobald")
BUILTIN_POLICIES = (*PEERS, NEW_POLICY)


@dataclass
class PolicyRun:
    """One policy's run of a scenario: its metrics and timeline, wall and simulated time, decisions, notes
    and conservation problems."""

    name: str
    metrics: RunMetrics
    timeline: Timeline
    wall_seconds: float
    simulated_seconds: float
    decisions: int = 0
    notes: list[str] = field(default_factory=list)
    conservation: list[str] = field(default_factory=list)

    @property
    def speedup(self) -> float:
        """Simulated seconds per real second."""
        return self.simulated_seconds / self.wall_seconds if self.wall_seconds > 0 else float("inf")


def run_policy(
    scenario: Scenario,
    policy: str | None,
    conf: str | None = None,
    queue_keys: dict[str, str] | None = None,
    label: str | None = None,
) -> PolicyRun:
    """Run ``policy`` (a sched plugin name or a comma list; None: the configuration's own chains) on
    generated queues, or on the queues of the configuration ``conf`` when given; ``queue_keys`` are
    set in every queue."""
    world = World(scenario, build_workload(scenario))
    reg = simulation_registry(world)
    with tempfile.TemporaryDirectory(prefix="apf-simulate-") as tmp:
        work = Path(tmp)
        if conf is None:
            if policy is None:
                raise ValueError("a policy is needed when no configuration is given")
            etc = str(write_generated(scenario, policy, work, queue_keys))
            sc = load_for_world(etc, scenario, reg, None, workdir=work)
        else:
            etc = operator_conf_dir(conf, scenario, work)
            sc = load_for_world(etc, scenario, reg, policy, queue_keys, workdir=work)
        t0 = time.perf_counter()
        driver = EngineDriver(sc.cfg, reg)
        notes = [*sc.notes, *(f"queue [{n}] not started: {why}" for n, why in driver.not_started.items())]
        world.run(driver)
        driver.close()
        wall = time.perf_counter() - t0
    return PolicyRun(
        label or policy or OWN,
        measure(world),
        world.timeline,
        wall,
        world.end,
        driver.decisions,
        notes,
        conservation_problems(world),
    )


def run_lower_bound(scenario: Scenario) -> PolicyRun:
    world = World(scenario, build_workload(scenario))
    Clairvoyant(world)
    t0 = time.perf_counter()
    world.run(None)
    wall = time.perf_counter() - t0
    return PolicyRun(
        LOWER_BOUND,
        measure(world),
        world.timeline,
        wall,
        world.end,
        conservation=conservation_problems(world),
    )
