"""The pilot (APFMon "job") state machine: created -> running -> exiting -> done, fault from any state."""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """A pilot's state as APFMon knows it."""

    CREATED = "created"
    RUNNING = "running"
    EXITING = "exiting"
    DONE = "done"
    FAULT = "fault"


ALL_STATES: tuple[JobState, ...] = tuple(JobState)
ACTIVE_STATES: tuple[JobState, ...] = (JobState.CREATED, JobState.RUNNING, JobState.EXITING)
TERMINAL_STATES: tuple[JobState, ...] = (JobState.DONE, JobState.FAULT)

# target state -> states it may be entered from
_ALLOWED_FROM: dict[JobState, frozenset[JobState]] = {
    JobState.RUNNING: frozenset({JobState.CREATED}),
    JobState.EXITING: frozenset({JobState.RUNNING}),
    JobState.DONE: frozenset({JobState.EXITING}),
    JobState.FAULT: frozenset(set(JobState) - {JobState.FAULT}),
}

# states a wrapper (any caller) may set; the others need the job's factory (or an admin)
WRAPPER_STATES: frozenset[JobState] = frozenset({JobState.RUNNING, JobState.EXITING})
FACTORY_STATES: frozenset[JobState] = frozenset({JobState.DONE, JobState.FAULT})


def can_transition(current: JobState, target: JobState) -> bool:
    """True when a job in ``current`` may move to ``target`` (``created`` is never a target)."""
    return current in _ALLOWED_FROM.get(target, frozenset())


def parse_state(text: str) -> JobState | None:
    try:
        return JobState(text)
    except ValueError:
        return None
