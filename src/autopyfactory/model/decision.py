"""The outcome of a sched chain: every step it took, and the number it came to."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SchedResult:
    """One plugin's output: the number it passes on and its message (``Name:key=val,...,ret=N``).

    ``withdraw``: pilots of the queue that have not started yet to remove (newest first), asked
    explicitly by plugins that want a surplus of pending pilots gone; it never touches a running
    pilot (unlike a negative ``n``, which 2.4 chains use to retire pilots of any state)."""

    n: int
    message: str
    withdraw: int = 0


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
    """How many pilots to submit (positive) or retire (negative), with every step of the chain.

    ``withdraw``: pending (not started) pilots to remove when ``n`` is 0 (see :class:`SchedResult`)."""

    queue: str
    n: int
    steps: tuple[DecisionStep, ...]
    withdraw: int = 0

    @property
    def message(self) -> str:
        """The chain's messages as 2.4 joined them: ``;`` between the steps that have one."""
        return ";".join(s.message for s in self.steps if s.message)
