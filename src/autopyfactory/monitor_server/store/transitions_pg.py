"""State updates on PostgreSQL with psycopg's asyncio driver: the event loop keeps serving while a
batch waits for its commit (the WAL flush), and several batches can be in flight at once.

Same decisions as ``transitions.apply_updates`` (the shared ``transition_plan``). A batch costs two
statements, two round trips and one commit whatever its size (autocommit, server-side prepared):

1. ``READ`` the jobs' ids and states (no lock, no transaction held open across the network);
2. plan, then ``WRITE``: one statement locks the planned jobs that are still in the state the plan
   started from, and only for those moves them (all moves from one ``unnest``), logs their events
   and counts their refusals; it returns the ids it locked.

A job another writer moved in between (so it was not locked) has its updates of this batch planned
again from its new state, so each job's updates still apply in order, as if the batch had held the
lock from the start. A job's state can only change a few times (the state machine has no cycles),
so this ends after a few rounds."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import psycopg
from sqlalchemy.engine import make_url

from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.job_refusals import REASON_MAX
from autopyfactory.monitor_server.store.transition_plan import Plan, StateUpdate, UpdateResult, plan

READ = "SELECT id, jid, state FROM jobs WHERE jid = ANY(%s)"
# Every write of a batch in one statement; empty arrays write nothing; ``rc`` NULL keeps the result.
WRITE = """
WITH locked AS (
    SELECT jobs.id FROM jobs
    JOIN unnest(%(x_id)s::integer[], %(x_state)s::varchar[]) AS x(id, state)
        ON jobs.id = x.id AND jobs.state = x.state
    ORDER BY jobs.id
    FOR UPDATE OF jobs
), moved AS (
    UPDATE jobs SET state = m.state, last_modified = %(now)s, flag = false,
        result = COALESCE(m.rc, jobs.result)
    FROM unnest(%(m_id)s::integer[], %(m_state)s::varchar[], %(m_rc)s::smallint[]) AS m(id, state, rc)
    WHERE jobs.id = m.id AND m.id IN (SELECT id FROM locked)
), logged AS (
    INSERT INTO job_events (job_id, at, source, state, text)
    SELECT * FROM unnest(%(e_job)s::integer[], %(e_at)s::double precision[], %(e_source)s::varchar[],
        %(e_state)s::varchar[], %(e_text)s::text[]) AS e(job_id, at, source, state, text)
    WHERE e.job_id IN (SELECT id FROM locked)
), refused AS (
    INSERT INTO job_refusals (job_id, reason, count, first_at, last_at, source)
    SELECT j, r, n, t, t, s FROM unnest(%(r_job)s::integer[], %(r_reason)s::varchar[],
        %(r_count)s::bigint[], %(r_at)s::double precision[], %(r_source)s::varchar[]) AS u(j, r, n, t, s)
    WHERE u.j IN (SELECT id FROM locked)
    ON CONFLICT (job_id, reason) DO UPDATE SET count = job_refusals.count + EXCLUDED.count,
        last_at = EXCLUDED.last_at, source = EXCLUDED.source
)
SELECT id FROM locked
"""
# The statements look jobs up by primary or unique key whatever the arrays hold: plan them once per
# connection, not at every execution (PostgreSQL's default re-plans statements with array parameters).
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
    """The parameters of ``WRITE`` (column arrays): ``expected`` are the states ``p`` started from."""
    m_id: list[int] = []
    m_state: list[str] = []
    m_rc: list[int | None] = []
    for (state, rc), ids in p.moves.items():
        m_id += ids
        m_state += [state.value] * len(ids)
        m_rc += [rc] * len(ids)
    ev, rf = p.events, p.refusals
    return {
        "x_id": list(expected),
        "x_state": [s.value for s in expected.values()],
        "now": now,
        "m_id": m_id,
        "m_state": m_state,
        "m_rc": m_rc,
        "e_job": [e.job_id for e in ev],
        "e_at": [e.at for e in ev],
        "e_source": [e.source for e in ev],
        "e_state": [e.state for e in ev],
        "e_text": [e.text for e in ev],
        "r_job": [r.job_id for r in rf],
        "r_reason": [r.reason[:REASON_MAX] for r in rf],
        "r_count": [r.count for r in rf],
        "r_at": [r.at for r in rf],
        "r_source": [r.source[:64] for r in rf],
    }


Conn = psycopg.AsyncConnection[tuple[object, ...]]


async def apply_updates_pg(conn: Conn, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
    """Apply ``updates`` in order on an autocommit connection; the result of each."""
    results: dict[int, UpdateResult] = {}  # index in ``updates`` -> its result
    todo = list(range(len(updates)))  # indexes of the updates still to apply
    for _ in range(MAX_ROUNDS):
        batch = [updates[i] for i in todo]
        cur = await conn.execute(READ, (list({u.jid for u in batch}),))
        current = {str(jid): (int(i), JobState(str(s))) for i, jid, s in await cur.fetchall()}  # type: ignore[call-overload]
        p = plan(current, batch, now)
        writes = touched(p)
        locked: set[int] = set()
        if writes:
            expected = {job_id: state for job_id, state in current.values() if job_id in writes}
            cur = await conn.execute(WRITE, write_params(p, expected, now))
            locked = {int(r[0]) for r in await cur.fetchall()}  # type: ignore[call-overload]
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
