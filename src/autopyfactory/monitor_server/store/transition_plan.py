"""Deciding a batch of state updates (pure): which are accepted, what each job becomes, what is logged.

Accepted updates become events in the job's history (a job accepts at most a handful: each state is
entered once). Refused ones (an invalid transition, or a state the caller may not set) are counted
per job and reason instead (``job_refusals``), so repeating them never grows the history."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from autopyfactory.monitor_server.states import JobState, can_transition
from autopyfactory.monitor_server.store.job_refusals import RefusalCount

NOTE_MAX = 200


@dataclass(frozen=True, slots=True)
class StateUpdate:
    """One state update a wrapper sent."""

    jid: str
    state: JobState
    source: str  # the client address
    rc: int | None = None
    wrapper: str = ""  # the wrapper's version, when it says
    ids: str = ""  # PanDA job ids the pilot ran (Harvester, ADC wrapper)
    note: str = ""  # how it arrived, when that matters (e.g. an APFMon v1 call without exit code)
    refused: str = ""  # not to be applied: the reason it was refused (recorded on the job)


class Outcome(StrEnum):
    """What became of one state update."""

    OK = "ok"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    FORBIDDEN = "forbidden"


@dataclass(frozen=True, slots=True)
class UpdateResult:
    """The outcome of one state update and the state it left."""

    outcome: Outcome
    previous: JobState | None = None

    def reason(self, target: JobState) -> str:
        return invalid_transition(self.previous, target)


def invalid_transition(current: JobState | None, target: JobState) -> str:
    return f"Invalid state transition: {current}->{target}"


@dataclass(frozen=True, slots=True)
class Event:
    """A pilot event to write."""

    job_id: int
    at: float
    source: str
    state: str | None
    text: str


@dataclass
class Plan:
    """The writes a batch of state updates comes to, grouped so each group is one statement."""

    results: list[UpdateResult] = field(default_factory=list)
    # (new state, rc or None) -> ids of the jobs that end the batch there
    moves: dict[tuple[JobState, int | None], list[int]] = field(default_factory=lambda: defaultdict(list))
    events: list[Event] = field(default_factory=list)
    refusals: list[RefusalCount] = field(default_factory=list)


def describe(u: StateUpdate) -> str:
    """The event's text. A NUL from the caller becomes U+FFFD: PostgreSQL cannot store it, and one
    such update must not fail the batch it shares with other pilots' updates."""
    text = u.state.value
    if u.rc is not None:
        text += f" rc={u.rc}"
    if u.wrapper:
        text += f" wrapper={u.wrapper[:NOTE_MAX]}"
    if u.ids:
        text += f" ids={u.ids[:NOTE_MAX]}"
    if u.note:
        text += f" ({u.note[:NOTE_MAX]})"
    return text.replace("\x00", "\ufffd")


def plan(current: Mapping[str, tuple[int, JobState]], updates: Sequence[StateUpdate], now: float) -> Plan:
    """Apply ``updates`` in order to ``current`` (jid -> (job id, state)); refusals are counted."""
    state_of = dict(current)
    final: dict[int, tuple[JobState, int | None]] = {}
    refused: dict[tuple[int, str], tuple[int, str]] = {}  # (job id, reason) -> (count, last source)
    p = Plan()

    def refuse(job_id: int, reason: str, source: str) -> None:
        n, _ = refused.get((job_id, reason), (0, ""))
        refused[(job_id, reason)] = (n + 1, source)

    for u in updates:
        found = state_of.get(u.jid)
        if found is None:
            p.results.append(UpdateResult(Outcome.NOT_FOUND))
            continue
        job_id, state = found
        if u.refused:
            refuse(job_id, u.refused, u.source)
            p.results.append(UpdateResult(Outcome.FORBIDDEN, state))
            continue
        if u.state is JobState.CREATED and state is JobState.CREATED:
            # Harvester reports its "submitted" workers as created: nothing to change, nothing to log
            p.results.append(UpdateResult(Outcome.OK, state))
            continue
        if not can_transition(state, u.state):
            refuse(job_id, invalid_transition(state, u.state), u.source)
            p.results.append(UpdateResult(Outcome.INVALID, state))
            continue
        state_of[u.jid] = (job_id, u.state)
        prev_rc = final[job_id][1] if job_id in final else None
        final[job_id] = (u.state, u.rc if u.rc is not None else prev_rc)
        p.events.append(Event(job_id, now, u.source, u.state.value, describe(u)))
        p.results.append(UpdateResult(Outcome.OK, state))
    for job_id, key in final.items():
        p.moves[key].append(job_id)
    p.refusals = [RefusalCount(j, reason, n, now, src) for (j, reason), (n, src) in refused.items()]
    return p
