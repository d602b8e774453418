"""State updates on PostgreSQL with psycopg's asyncio driver: the event loop keeps serving while a
batch waits for its commit (the WAL flush), and several batches can be in flight at once.

Same decisions as ``transitions.apply_updates`` (the shared ``transition_plan``); the SQL is written
for PostgreSQL (arrays instead of IN lists, one INSERT from unnest for the events)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import psycopg
from sqlalchemy.engine import make_url

from autopyfactory.monitor_server.states import JobState
from autopyfactory.monitor_server.store.transition_plan import StateUpdate, UpdateResult, plan

SELECT = "SELECT id, jid, state FROM jobs WHERE jid = ANY(%s) ORDER BY jid FOR UPDATE"
MOVE = "UPDATE jobs SET state = %s, last_modified = %s, flag = false WHERE id = ANY(%s)"
MOVE_RC = "UPDATE jobs SET state = %s, last_modified = %s, flag = false, result = %s WHERE id = ANY(%s)"
LOG = (
    "INSERT INTO job_events (job_id, at, source, state, text) "
    "SELECT * FROM unnest(%s::integer[], %s::double precision[], %s::varchar[], %s::varchar[], %s::text[])"
)
REFUSE = (
    "INSERT INTO job_refusals (job_id, reason, count, first_at, last_at, source) "
    "SELECT j, r, n, t, t, s FROM unnest(%s::integer[], %s::varchar[], %s::bigint[], %s::double precision[], "
    "%s::varchar[]) AS u(j, r, n, t, s) "
    "ON CONFLICT (job_id, reason) DO UPDATE SET count = job_refusals.count + EXCLUDED.count, "
    "last_at = EXCLUDED.last_at, source = EXCLUDED.source"
)


def conninfo(sqlalchemy_url: str) -> str:
    u = make_url(sqlalchemy_url)
    return u.set(drivername="postgresql").render_as_string(hide_password=False)


class AsyncPgApplier:
    """A small pool of asyncio connections (made on first use, in the loop that uses them)."""

    def __init__(self, url: str, size: int = 3) -> None:
        self.conninfo = conninfo(url)
        self.size = size
        self._idle: list[psycopg.AsyncConnection[tuple[object, ...]]] = []
        self._free: asyncio.Semaphore | None = None

    async def apply(self, updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
        if self._free is None:
            self._free = asyncio.Semaphore(self.size)
        async with self._free:
            conn = self._idle.pop() if self._idle else await psycopg.AsyncConnection.connect(self.conninfo)
            try:
                results = await self._apply(conn, updates, now)
            except BaseException:
                await conn.close()
                raise
            self._idle.append(conn)
            return results

    @staticmethod
    async def _apply(
        conn: psycopg.AsyncConnection[tuple[object, ...]], updates: Sequence[StateUpdate], now: float
    ) -> list[UpdateResult]:
        async with conn.transaction():
            cur = await conn.execute(SELECT, (sorted({u.jid for u in updates}),))
            current = {str(jid): (int(i), JobState(str(s))) for i, jid, s in await cur.fetchall()}  # type: ignore[call-overload]
            p = plan(current, updates, now)
            for (state, rc), ids in p.moves.items():
                if rc is None:
                    await conn.execute(MOVE, (state.value, now, ids))
                else:
                    await conn.execute(MOVE_RC, (state.value, now, rc, ids))
            if p.events:
                ev = p.events
                await conn.execute(
                    LOG,
                    ([e.job_id for e in ev], [e.at for e in ev], [e.source for e in ev], [e.state for e in ev],
                     [e.text for e in ev]),
                )  # fmt: skip
            if p.refusals:
                rf = p.refusals
                await conn.execute(
                    REFUSE,
                    ([r.job_id for r in rf], [r.reason[:255] for r in rf], [r.count for r in rf],
                     [r.at for r in rf], [r.source[:64] for r in rf]),
                )  # fmt: skip
        return p.results

    async def close(self) -> None:
        while self._idle:
            await self._idle.pop().close()
        self._free = None  # bound to this event loop; a restarted app runs in another
