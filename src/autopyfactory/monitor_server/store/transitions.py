"""State updates of many jobs in one transaction (the wrapper's and the factory's POST /jobs/<jid>)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, bindparam, insert, select, update

from autopyfactory.monitor_server.db.schema import job_events, jobs
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


def describe(u: StateUpdate) -> str:
    text = u.state.value
    if u.rc is not None:
        text += f" rc={u.rc}"
    if u.wrapper:
        text += f" wrapper={u.wrapper[:200]}"
    return text


# Built once: the hot path only binds parameters (statement construction costs more than the SQL).
_SELECT = select(jobs.c.id, jobs.c.jid, jobs.c.state).where(jobs.c.jid.in_(bindparam("jids", expanding=True)))
_SELECT_LOCKED = _SELECT.order_by(jobs.c.jid).with_for_update()  # one lock order for concurrent batches
_MOVE = (
    update(jobs)
    .where(jobs.c.id.in_(bindparam("ids", expanding=True)))
    .values(state=bindparam("new_state"), last_modified=bindparam("now"), flag=False)
)
_MOVE_RC = _MOVE.values(result=bindparam("rc"))
_LOG = insert(job_events)


def apply_updates(conn: Connection, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
    """Apply ``updates`` in order inside the caller's transaction; rejected ones are logged on the job."""
    stmt = _SELECT if conn.dialect.name == "sqlite" else _SELECT_LOCKED
    current = {
        r.jid: (r.id, JobState(r.state))
        for r in conn.execute(stmt, {"jids": sorted({u.jid for u in updates})})
    }
    results: list[UpdateResult] = []
    final: dict[int, tuple[JobState, int | None]] = {}  # job id -> its last accepted state and rc
    evs: list[dict[str, object]] = []
    for u in updates:
        found = current.get(u.jid)
        if found is None:
            results.append(UpdateResult(Outcome.NOT_FOUND))
            continue
        job_id, state = found
        if not can_transition(state, u.state):
            results.append(UpdateResult(Outcome.INVALID, state))
            evs.append(
                {"job_id": job_id, "at": now, "source": u.source, "state": None,
                 "text": f"Invalid state transition: {state}->{u.state}"}
            )  # fmt: skip
            continue
        current[u.jid] = (job_id, u.state)
        prev_rc = final[job_id][1] if job_id in final else None
        final[job_id] = (u.state, u.rc if u.rc is not None else prev_rc)
        evs.append(
            {"job_id": job_id, "at": now, "source": u.source, "state": u.state.value, "text": describe(u)}
        )
        results.append(UpdateResult(Outcome.OK, state))
    # one UPDATE per distinct (state, rc): a handful of statements whatever the batch size
    groups: dict[tuple[JobState, int | None], list[int]] = defaultdict(list)
    for job_id, key in final.items():
        groups[key].append(job_id)
    for (state, rc), ids in groups.items():
        params = {"ids": ids, "new_state": state.value, "now": now}
        if rc is None:
            conn.execute(_MOVE, params)
        else:
            conn.execute(_MOVE_RC, {**params, "rc": rc})
    if evs:
        conn.execute(_LOG, evs)
    return results
