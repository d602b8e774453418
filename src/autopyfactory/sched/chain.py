"""Running a queue's sched chain: a pure fold over its plugins."""

from __future__ import annotations

from collections.abc import Sequence

from autopyfactory.model.decision import Decision, DecisionStep
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin


def decide(chain: Sequence[SchedPlugin], snap: QueueSnapshot) -> Decision:
    """Run the chain: the first step gets 0, each later one the previous output. Every step is
    recorded (plugin, input, output, message). Pure: the same chain and snapshot, the same decision.

    A step's ``withdraw`` (pending pilots to remove) holds until a later step asks for another one;
    it is dropped when the chain ends submitting or retiring (n != 0)."""
    n = withdraw = 0
    steps: list[DecisionStep] = []
    for plugin in chain:
        result = plugin.calc(n, snap)
        steps.append(DecisionStep(plugin.name, n, result.n, result.message))
        n = result.n
        if result.withdraw > 0:
            withdraw = result.withdraw
    return Decision(snap.queue, n, tuple(steps), withdraw if n == 0 else 0)
