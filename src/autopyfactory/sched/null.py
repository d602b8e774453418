"""Null: always zero (testing)."""

from __future__ import annotations

from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.sched.base import SchedPlugin, message


class Null(SchedPlugin):
    """Zero, whatever it is given (for tests)."""

    name = "Null"

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        return SchedResult(0, message("Null", ("in", n), ("out", 0)))
