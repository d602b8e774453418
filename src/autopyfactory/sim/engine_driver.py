"""The engine's own factory, driven in the world's virtual time.

A :class:`~autopyfactory.engine.factory.Factory` is built on the loaded configuration (the real
loader's, pointed at the world) and the simulation's registry, with a
:class:`~autopyfactory.engine.clock.ManualClock` that reads the world's time (0 at the start) and
inline executors: each :meth:`EngineDriver.run_cycle` is one real cycle (status polls, snapshots
with the freshness rules, the factory's history hook, ``decide``, the safety cap, submit, retire or
withdraw, decision lines) run to its end in the caller's thread. The world calls only
:meth:`EngineDriver.next_due` and :meth:`EngineDriver.run_cycle` (``CycleDriver``)."""

from __future__ import annotations

import atexit
import math
import shutil
import tempfile
from pathlib import Path

from autopyfactory.engine.clock import ManualClock
from autopyfactory.engine.executors import Executors
from autopyfactory.engine.factory import Factory, RunOptions
from autopyfactory.engine.outcome import ActionKind, CycleReport, Outcome
from autopyfactory.loading.loader import LoadedConfig
from autopyfactory.plugins.registry import Registry

_STATE_DIR: Path | None = None


def state_dir() -> Path:
    """One state directory for every simulated factory of this process: the engine locks its state
    directory for the life of the process, so runs share one instead of leaving a lock each."""
    global _STATE_DIR
    if _STATE_DIR is None:
        _STATE_DIR = Path(tempfile.mkdtemp(prefix="apf-simulate-state-"))
        atexit.register(shutil.rmtree, _STATE_DIR, True)
    return _STATE_DIR


class EngineDriver:
    """One simulated factory: the engine's Factory on ``cfg`` with the plugins of ``reg``."""

    def __init__(self, cfg: LoadedConfig, reg: Registry) -> None:
        self.clock = ManualClock(start=0.0)
        self.factory = Factory(
            RunOptions(services=False), reg, clock=self.clock, executors=Executors.inline(), load=lambda: cfg
        )
        self.outcomes: list[Outcome] = []  # the last cycle's
        self.decisions = 0
        self.actions = {kind: 0 for kind in ActionKind}
        self.factory.on_cycle.append(self._report)

    @property
    def not_started(self) -> dict[str, str]:
        """Configured queues that do not run, and why."""
        return self.factory.not_started

    def _report(self, report: CycleReport) -> None:
        self.outcomes = report.outcomes
        for out in report.outcomes:
            self.actions[out.kind] += 1
            if out.decision is not None:
                self.decisions += 1

    def next_due(self) -> float:
        queues = self.factory.queues.values()
        return min((rt.next_due() for rt in queues), default=math.inf)

    def run_cycle(self, now: float) -> None:
        self.clock.advance_to(now)
        self.factory.run_cycle(now)

    def close(self) -> None:
        self.factory.shutdown()
