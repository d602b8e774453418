"""Running a queue's sched chain: a pure fold over its plugins."""

from __future__ import annotations

from collections.abc import Sequence

from autopyfactory.model.decision import Decision, DecisionStep
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin


def decide(chain: Sequence[SchedPlugin], snap: QueueSnapshot) -> Decision:
    """Run the chain: the first step gets 0, each later one the previous output. Every step is
    recorded (plugin, input, output, message). Pure: the same chain and snapshot, the same decision."""
    n = 0
    steps: list[DecisionStep] = []
    for plugin in chain:
        result = plugin.calc(n, snap)
        steps.append(DecisionStep(plugin.name, n, result.n, result.message))
        n = result.n
    return Decision(snap.queue, n, tuple(steps))
