"""What the cycle did with one queue: the action it chose, and how carrying it out went."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from autopyfactory.model.decision import Decision
from autopyfactory.model.snapshot import QueueSnapshot

if TYPE_CHECKING:
    from autopyfactory.engine.status_hub import PollResult, StatusKey


class ActionKind(Enum):
    """What the cycle does with a queue this cycle."""

    NONE = "none"  # nothing: the decision is 0, or the queue cannot act (``Outcome.reason`` says why)
    SUBMIT = "submit"  # submit ``Outcome.target`` pilots
    RETIRE = "retire"  # retire ``-Outcome.target`` pilots
    WITHDRAW = "withdraw"  # remove ``-Outcome.target`` pilots that have not started (never a running one)
    SKIPPED = "skipped"  # the queue sits this cycle out: a call of an earlier one still runs (``error``)
    FAILED = "error"  # the queue could not decide (``error``)


class StopPoint(Enum):
    """Where a stop request cut an action short."""

    BEFORE_BATCH = "no new batch"  # between two submission batches
    BEFORE_CALL = "no new call started"  # while waiting for a submission slot


@dataclass
class Outcome:
    """One queue in one cycle: its snapshot, its decision, the action chosen and what came of it.

    The decision log line is made from it; :attr:`action` is that line's ``action=`` text
    (``submitted 5``, ``retired 0 (peaceful)``, ``none (wms data 300s old > maxage 60s)``, ...)."""

    queue: str
    snapshot: QueueSnapshot | None
    decision: Decision | None
    kind: ActionKind
    reason: str = ""  # why nothing is done (NONE): stale or missing data, a stop; "" when decided so
    target: int = 0  # pilots to submit (> 0) or retire (< 0): the decision, cut to the safety cap
    cap: str = ""  # set when the safety cap cut the decision (for the decision line)
    submitted: int = 0
    retired: int = 0
    withdrawn: int = 0
    peaceful: bool = False  # the retirement was asked of a peaceful submit plugin (nothing removed)
    stopped: StopPoint | None = None  # a stop request cut the action short here
    error: str = ""
    # times on the cycle's clock: when the queue was due (None: its first cycle), when its cycle
    # started, and when its decision line was written (its action, if any, ended)
    due_at: float | None = None
    started_at: float = 0.0
    ended_at: float = 0.0
    note: str = ""  # how an input was adjusted before deciding (held WMS counts)

    @property
    def acts(self) -> bool:
        """The cycle carries out a submission or retirement for this queue."""
        return self.kind in (ActionKind.SUBMIT, ActionKind.RETIRE, ActionKind.WITHDRAW)

    @property
    def action(self) -> str:
        """The decision line's ``action=`` text."""
        if self.kind is ActionKind.NONE:
            return f"none ({self.reason})" if self.reason else "none"
        if self.kind is ActionKind.SKIPPED:
            return "skipped"
        if self.kind is ActionKind.FAILED or (
            self.error and not (self.submitted or self.retired or self.withdrawn)
        ):
            return "error"
        if self.kind is ActionKind.SUBMIT:
            text = f"submitted {self.submitted}"
            if self.stopped is StopPoint.BEFORE_BATCH:
                text += f" of {self.target} (stopping: {StopPoint.BEFORE_BATCH.value})"
        elif self.kind is ActionKind.WITHDRAW:
            text = f"withdrew {self.withdrawn} pending"
        else:
            text = f"retired {self.retired}" + (" (peaceful)" if self.peaceful else "")
        if self.stopped is StopPoint.BEFORE_CALL:
            text += f" (stopping: {StopPoint.BEFORE_CALL.value})"
        return text


@dataclass
class CycleReport:
    """A cycle's outcomes: the queues that decided not to act, or failed, or sat it out, and the
    actions that ended since the last report (the actions this cycle started, unless the cycle
    stopped waiting for them: those come in the next report)."""

    number: int
    outcomes: list[Outcome] = field(default_factory=list)
    started_at: float = 0.0  # the cycle's time (clock.time()) when it started
    # what each status source polled this cycle gave (a view, or why none)
    polls: dict[StatusKey, PollResult] = field(default_factory=dict)
