"""The outcome of a sched chain: every step it took, and the number it came to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SchedResult:
    """One plugin's output: the number it passes on and its message (``Name:key=val,...,ret=N``)."""

    n: int
    message: str


@dataclass(frozen=True, slots=True)
class DecisionStep:
    """One step of a chain: the plugin, the number it was given, the number it passed on, and its
    message (empty when it had nothing to report)."""

    plugin: str
    input: int
    output: int
    message: str


@dataclass(frozen=True, slots=True)
class Decision:
    """How many pilots to submit (positive) or retire (negative), with every step of the chain."""

    queue: str
    n: int
    steps: tuple[DecisionStep, ...]

    @property
    def message(self) -> str:
        """The chain's messages as 2.4 joined them: ``;`` between the steps that have one."""
        return ";".join(s.message for s in self.steps if s.message)
