"""State updates on PostgreSQL with psycopg's asyncio driver: the event loop keeps serving while a
batch waits for its commit (the WAL flush), and several batches can be in flight at once.

Same decisions as ``transitions.apply_updates`` (the shared ``transition_plan``). A batch costs two
statements, two round trips and one commit whatever its size (autocommit, server-side prepared,
planned once per connection):

1. ``READ`` the jobs' ids and states (no lock, no transaction held open across the network);
2. plan, then ``WRITE``: one statement locks the planned jobs that are still in the state the plan
   started from, and only for those moves them, logs their events and counts their refusals; it
   returns the ids it locked. Its rows travel as four JSON documents (one parameter each), which
   costs the driver far less than a column array per field.

A job another writer moved in between (so it was not locked) has its updates of this batch planned
again from its new state, so each job's updates still apply in order, as if the batch had held the
lock from the start. A job's state only changes a few times (the state machine has no cycles), so
this ends after a few rounds."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence

import psycopg
from psycopg.rows import TupleRow
from sqlalchemy.engine import make_url

from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.job_refusals import REASON_MAX
from autopyfactory.monitor_server.store.transition_plan import Plan, StateUpdate, UpdateResult, plan

READ = "SELECT id, jid, state FROM jobs WHERE jid = ANY(%s)"
# Every write of a batch in one statement; an empty list writes nothing; ``rc`` null keeps the result.
WRITE = """
WITH locked AS (
    SELECT id FROM jobs
    WHERE id = ANY(%(x_id)s::integer[])
        AND state = (%(x_state)s::varchar[])[array_position(%(x_id)s::integer[], id)]
    ORDER BY id
    FOR UPDATE
), moved AS (
    UPDATE jobs SET
        state = (%(m_state)s::varchar[])[array_position(%(m_id)s::integer[], id)],
        result = COALESCE((%(m_rc)s::smallint[])[array_position(%(m_id)s::integer[], id)], result),
        last_modified = %(now)s, flag = false
    WHERE id = ANY(%(m_id)s::integer[]) AND id IN (SELECT id FROM locked)
), logged AS (
    INSERT INTO job_events (job_id, at, source, state, text)
    SELECT e.job_id, e.at, e.source, e.state, e.text
    FROM json_to_recordset(%(events)s::json)
        AS e(job_id integer, at double precision, source varchar, state varchar, text text)
    WHERE e.job_id IN (SELECT id FROM locked)
), refused AS (
    INSERT INTO job_refusals (job_id, reason, count, first_at, last_at, source)
    SELECT r.job_id, r.reason, r.count, r.at, r.at, r.source
    FROM json_to_recordset(%(refusals)s::json)
        AS r(job_id integer, reason varchar, count bigint, at double precision, source varchar)
    WHERE r.job_id IN (SELECT id FROM locked)
    ON CONFLICT (job_id, reason) DO UPDATE SET count = job_refusals.count + EXCLUDED.count,
        last_at = EXCLUDED.last_at, source = EXCLUDED.source
)
SELECT id FROM locked
"""
# The statements look jobs up by primary or unique key whatever their parameters hold: plan them
# once per connection, not at every execution (PostgreSQL re-plans statements with array or JSON
# parameters each time by default, which costs more than running them).
GENERIC_PLANS = "SET plan_cache_mode = force_generic_plan"
MAX_ROUNDS = 20  # far more than a job has states to move through


class TooMuchContention(psycopg.errors.OperationalError):
    """Jobs kept changing under the batch (never expected: a job moves through a handful of states)."""


def conninfo(sqlalchemy_url: str) -> str:
    u = make_url(sqlalchemy_url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


def touched(p: Plan) -> set[int]:
    """The jobs ``p`` writes to (moves, events, refusals)."""
    ids = {e.job_id for e in p.events} | {r.job_id for r in p.refusals}
    for moved in p.moves.values():
        ids.update(moved)
    return ids


def write_params(p: Plan, expected: dict[int, JobState], now: float) -> dict[str, object]:
    """The parameters of ``WRITE``: ``expected`` are the states ``p`` started from."""
    m_id: list[int] = []
    m_state: list[str] = []
    m_rc: list[int | None] = []
    for (state, rc), ids in p.moves.items():
        m_id += ids
        m_state += [state.value] * len(ids)
        m_rc += [rc] * len(ids)
    events = [
        {"job_id": e.job_id, "at": e.at, "source": e.source, "state": e.state, "text": e.text}
        for e in p.events
    ]
    refusals = [
        {
            "job_id": r.job_id,
            "reason": r.reason[:REASON_MAX],
            "count": r.count,
            "at": r.at,
            "source": r.source[:64],
        }
        for r in p.refusals
    ]
    return {
        "x_id": list(expected),
        "x_state": [s.value for s in expected.values()],
        "now": now,
        "m_id": m_id,
        "m_state": m_state,
        "m_rc": m_rc,
        "events": json.dumps(events),
        "refusals": json.dumps(refusals),
    }


Conn = psycopg.AsyncConnection[TupleRow]  # psycopg's rows: tuple[Any, ...]


async def apply_updates_pg(conn: Conn, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
    """Apply ``updates`` in order on an autocommit connection; the result of each."""
    results: dict[int, UpdateResult] = {}  # index in ``updates`` -> its result
    todo = list(range(len(updates)))  # indexes of the updates still to apply
    for _ in range(MAX_ROUNDS):
        batch = [updates[i] for i in todo]
        # a pilot id with a NUL cannot be stored (nor registered): not found, without failing the batch
        jids = list({u.jid for u in batch if "\x00" not in u.jid})
        cur = await conn.execute(READ, (jids,))
        current = {str(jid): (int(i), JobState(str(s))) for i, jid, s in await cur.fetchall()}
        p = plan(current, batch, now)
        writes = touched(p)
        locked: set[int] = set()
        if writes:
            expected = {job_id: state for job_id, state in current.values() if job_id in writes}
            cur = await conn.execute(WRITE, write_params(p, expected, now))
            locked = {int(r[0]) for r in await cur.fetchall()}
        again = []
        for i, u, result in zip(todo, batch, p.results, strict=True):
            found = current.get(u.jid)
            if found is not None and found[0] in writes and found[0] not in locked:
                again.append(i)  # the job moved meanwhile: plan its updates again
            else:
                results[i] = result
        if not again:
            return [results[i] for i in range(len(updates))]
        todo = again
    raise TooMuchContention(f"{len(todo)} state updates: their jobs kept changing under the batch")


class AsyncPgApplier:
    """A small pool of asyncio connections (made on first use, in the loop that uses them)."""

    def __init__(self, url: str, size: int = 3) -> None:
        self.conninfo = conninfo(url)
        self.size = size
        self._idle: list[Conn] = []
        self._free: asyncio.Semaphore | None = None

    async def apply(self, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
        if self._free is None:
            self._free = asyncio.Semaphore(self.size)
        async with self._free:
            if self._idle:
                conn = self._idle.pop()
            else:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
                await conn.execute(GENERIC_PLANS)
            try:
                results = await apply_updates_pg(conn, updates, now)
            except BaseException:
                await conn.close()
                raise
            self._idle.append(conn)
            return results

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()
        self._free = None  # bound to this event loop; a restarted app runs in another
