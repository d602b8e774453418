"""State updates of many jobs in one transaction (the wrapper's and the factory's POST /jobs/<jid>)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, SmallInteger, bindparam, func, insert, select, update

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


def apply_updates(conn: Connection, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
    """Apply ``updates`` in order inside the caller's transaction; rejected ones are logged on the job."""
    stmt = select(jobs.c.id, jobs.c.jid, jobs.c.state).where(jobs.c.jid.in_({u.jid for u in updates}))
    if conn.dialect.name != "sqlite":
        stmt = stmt.with_for_update()
    current = {r.jid: (r.id, JobState(r.state)) for r in conn.execute(stmt)}
    results: list[UpdateResult] = []
    final: dict[int, dict[str, object]] = {}  # job id -> its last accepted state (and rc) in this batch
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
        prev_rc = final.get(job_id, {}).get("_rc")
        final[job_id] = {
            "_id": job_id,
            "_state": u.state.value,
            "_now": now,
            "_rc": u.rc if u.rc is not None else prev_rc,
        }
        evs.append(
            {"job_id": job_id, "at": now, "source": u.source, "state": u.state.value, "text": describe(u)}
        )
        results.append(UpdateResult(Outcome.OK, state))
    if final:
        stmt_up = (
            update(jobs)
            .where(jobs.c.id == bindparam("_id"))
            .values(
                state=bindparam("_state"),
                last_modified=bindparam("_now"),
                flag=False,
                result=func.coalesce(bindparam("_rc", type_=SmallInteger), jobs.c.result),
            )
        )
        conn.execute(stmt_up, list(final.values()))
    if evs:
        conn.execute(insert(job_events), evs)
    return results
