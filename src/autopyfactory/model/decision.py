"""The outcome of a sched chain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SchedResult:
    """One plugin's output: the number it passes on and its message (``Name:key=val,...,ret=N``)."""

    n: int
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    """How many pilots to submit (positive) or retire (negative), with the chain's messages."""

    queue: str
    n: int
    steps: tuple[SchedResult, ...]

    @property
    def message(self) -> str:
        return ";".join(s.message for s in self.steps)
