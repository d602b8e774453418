"""Deciding a batch of state updates (pure): which are accepted, what each job becomes, what is logged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from autopyfactory.monitor_server.states import JobState, can_transition


@dataclass(frozen=True, slots=True)
class StateUpdate:
    jid: str
    state: JobState
    source: str  # the client address
    rc: int | None = None
    wrapper: str = ""


class Outcome(StrEnum):
    OK = "ok"
    NOT_FOUND = "not_found"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class UpdateResult:
    outcome: Outcome
    previous: JobState | None = None

    def reason(self, target: JobState) -> str:
        return f"Invalid state transition: {self.previous}->{target}"


@dataclass(frozen=True, slots=True)
class Event:
    job_id: int
    at: float
    source: str
    state: str | None
    text: str


@dataclass
class Plan:
    results: list[UpdateResult] = field(default_factory=list)
    # (new state, rc or None) -> ids of the jobs that end the batch there
    moves: dict[tuple[JobState, int | None], list[int]] = field(default_factory=lambda: defaultdict(list))
    events: list[Event] = field(default_factory=list)


def describe(u: StateUpdate) -> str:
    text = u.state.value
    if u.rc is not None:
        text += f" rc={u.rc}"
    if u.wrapper:
        text += f" wrapper={u.wrapper[:200]}"
    return text


def plan(current: Mapping[str, tuple[int, JobState]], updates: Sequence[StateUpdate], now: float) -> Plan:
    """Apply ``updates`` in order to ``current`` (jid -> (job id, state)); rejected ones are logged."""
    state_of = dict(current)
    final: dict[int, tuple[JobState, int | None]] = {}
    p = Plan()
    for u in updates:
        found = state_of.get(u.jid)
        if found is None:
            p.results.append(UpdateResult(Outcome.NOT_FOUND))
            continue
        job_id, state = found
        if not can_transition(state, u.state):
            p.results.append(UpdateResult(Outcome.INVALID, state))
            p.events.append(
                Event(job_id, now, u.source, None, f"Invalid state transition: {state}->{u.state}")
            )
            continue
        state_of[u.jid] = (job_id, u.state)
        prev_rc = final[job_id][1] if job_id in final else None
        final[job_id] = (u.state, u.rc if u.rc is not None else prev_rc)
        p.events.append(Event(job_id, now, u.source, u.state.value, describe(u)))
        p.results.append(UpdateResult(Outcome.OK, state))
    for job_id, key in final.items():
        p.moves[key].append(job_id)
    return p
