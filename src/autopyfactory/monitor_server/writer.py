"""The job state writer: wrapper and factory state updates are applied in batches.

A request queues its update and awaits the result. The first update of a burst starts a flush on the
event loop's next turn, so every request that arrived meanwhile joins the same transaction: under
load hundreds of commits become a few, which is what lets SQLite and PostgreSQL keep up with
thousands of pilots.

SQLite: the transaction runs in the event loop's own thread (a WAL commit is short; handing it to
another thread costs more under load than the transaction itself), one batch at a time. The writer
does not wait inside SQLite for another process's write lock (SQLite sleeps up to 100 ms at a time,
which would stall every request of this process): it retries after yielding to the event loop.
PostgreSQL: batches go through psycopg's asyncio driver (``transitions_pg``), up to ``parallel`` at
once, so the event loop serves on while a batch waits for its commit to reach the disk; under load
they start at least ``PG_SPACING`` apart, so that more updates share each one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from autopyfactory.monitor_server.clock import Clock
from autopyfactory.monitor_server.db.engine import is_sqlite
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.store.transition_plan import StateUpdate, UpdateResult
from autopyfactory.monitor_server.store.transitions import apply_updates

log = logging.getLogger(__name__)

# PostgreSQL: batches start at least this far apart (seconds). A batch costs the server and this
# process far more than an update in it (two round trips and a commit), so under load updates wait
# up to this long to share one; an update that finds no batch started lately goes at once.
PG_SPACING = 0.004

Applier = Callable[[Sequence[StateUpdate], float], Awaitable[list[UpdateResult]]]
_Pending = tuple[StateUpdate, "asyncio.Future[UpdateResult]"]


def _database_errors() -> tuple[type[BaseException], ...]:
    try:
        import psycopg
    except ImportError:  # PostgreSQL support is optional
        return (DBAPIError,)
    return (DBAPIError, psycopg.Error)


DATABASE_ERRORS = _database_errors()


class WriterUnavailable(RuntimeError):
    """The database refused the batch (after retries) or the writer is stopped."""


def _is_lock_busy(exc: BaseException) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


class StateWriter:
    """Applies wrappers' state updates in batches on a writer thread, so many small updates cost few
    transactions."""

    def __init__(
        self,
        apply: Applier,
        clock: Clock,
        parallel: int = 1,
        max_batch: int = 500,
        retries: int = 2,
        lock_wait: float = 10.0,
        on_batch: Callable[[int], None] | None = None,
        on_close: Callable[[], Awaitable[None]] | None = None,
        spacing: float = 0.0,
    ) -> None:
        """``apply``: applies one batch in one transaction. ``parallel``: batches in flight at once.
        ``lock_wait``: seconds to keep retrying a busy SQLite lock before failing the batch.
        ``spacing``: seconds at least between the starts of two batches; updates that arrive sooner
        wait (at most that long) and go together."""
        self.apply = apply
        self.clock = clock
        self.max_batch = max_batch
        self.retries = retries
        self.lock_wait = lock_wait
        self.on_batch = on_batch
        self.on_close = on_close
        self.spacing = spacing
        self._pending: list[_Pending] = []
        self._gathering = False  # a drainer is waiting to take the next batch
        self._in_flight = 0
        self._last_start = -spacing
        self._parallel = max(parallel, 1)
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = False

    @classmethod
    def for_engine(
        cls, engine: Engine, url: str, clock: Clock, on_batch: Callable[[int], None] | None = None
    ) -> StateWriter:
        """SQLite: ``engine`` must be made with ``sqlite_busy_ms=0``. PostgreSQL: asyncio psycopg on ``url``."""
        if is_sqlite(engine):

            async def apply_sqlite(updates: Sequence[StateUpdate], now: float) -> list[UpdateResult]:
                with writing(engine) as conn:
                    return apply_updates(conn, updates, now)

            return cls(apply_sqlite, clock, 1, on_batch=on_batch)
        from autopyfactory.monitor_server.store.transitions_pg import AsyncPgApplier

        pg = AsyncPgApplier(url)
        return cls(pg.apply, clock, pg.size, on_batch=on_batch, on_close=pg.close, spacing=PG_SPACING)

    async def submit(self, update: StateUpdate) -> UpdateResult:
        if self._stopped:
            raise WriterUnavailable("the state writer is stopped")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[UpdateResult] = loop.create_future()
        self._pending.append((update, fut))
        self._start_drainer(loop)
        return await fut

    def _start_drainer(self, loop: asyncio.AbstractEventLoop) -> None:
        """One drainer gathers the next batch; up to ``parallel`` batches are in flight."""
        if self._gathering or self._in_flight >= self._parallel:
            return  # the gathering drainer, or the next one to finish a batch, takes the update
        self._gathering = True
        task = loop.create_task(self._drain())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def start(self) -> None:
        """Accept updates (again, after :meth:`aclose`: the app's lifespan may run more than once)."""
        self._stopped = False

    async def aclose(self) -> None:
        self._stopped = True
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self.on_close is not None:
            await self.on_close()

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        gathering = True  # set by whoever started this drainer
        try:
            while True:
                # let the requests of this turn of the loop (or of the spacing) join the batch
                await asyncio.sleep(max(0.0, self._last_start + self.spacing - loop.time()))
                gathering = self._gathering = False
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                if not batch:
                    return
                self._last_start = loop.time()
                self._in_flight += 1
                if self._pending:  # more than a batch's worth waits: the next drainer gathers
                    self._start_drainer(loop)
                try:
                    await self._flush(batch)
                finally:
                    self._in_flight -= 1
                if not self._pending or self._gathering:
                    return
                gathering = self._gathering = True  # take what arrived while the batch was in flight
        finally:
            if gathering:
                self._gathering = False

    async def _flush(self, batch: list[_Pending]) -> None:
        outcome: list[UpdateResult] | BaseException = WriterUnavailable("not attempted")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lock_wait
        failures = 0
        delay = 0.0002
        updates = [u for u, _ in batch]
        while True:
            try:
                outcome = await self.apply(updates, self.clock.now())
                break
            except DATABASE_ERRORS as exc:
                if _is_lock_busy(exc) and loop.time() < deadline:
                    await asyncio.sleep(delay)  # another process writes: let this one serve meanwhile
                    delay = min(delay * 2, 0.002)
                    continue
                failures += 1
                log.warning("state batch of %d failed (attempt %d): %s", len(batch), failures, exc)
                outcome = WriterUnavailable(f"database error: {exc}")
                if failures >= self.retries:
                    break
            except Exception as exc:  # a bug: fail these requests, keep serving
                log.exception("state batch of %d failed", len(batch))
                outcome = WriterUnavailable(str(exc))
                break
        if self.on_batch is not None:
            self.on_batch(len(batch))
        for i, (_, fut) in enumerate(batch):
            if fut.done():  # the client went away
                continue
            if isinstance(outcome, BaseException):
                fut.set_exception(outcome)
            else:
                fut.set_result(outcome[i])
