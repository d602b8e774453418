"""The job state writer: wrapper and factory state updates are applied in batches.

A request queues its update and awaits the result. The first update of a burst starts a flush on the
event loop's next turn, so every request that arrived meanwhile joins the same transaction: under
load hundreds of commits become a few, which is what lets SQLite and PostgreSQL keep up with
thousands of pilots.

SQLite: the transaction runs in the event loop's own thread (a WAL commit is short; handing it to
another thread costs more under load than the transaction itself), and the writer does not wait
inside SQLite for another process's write lock (SQLite sleeps up to 100 ms at a time, which would
stall every request of this process): it retries after yielding to the event loop.
PostgreSQL: a commit waits for the WAL to reach the disk, so transactions run in ``threads`` worker
threads while the event loop goes on serving and the next batches gather; rows are locked in jid
order, so concurrent batches cannot deadlock."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError

from autopyfactory.monitor_server.clock import Clock
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.store.transitions import StateUpdate, UpdateResult, apply_updates

log = logging.getLogger(__name__)


class WriterUnavailable(RuntimeError):
    """The database refused the batch (after retries) or the writer is stopped."""


_Pending = tuple[StateUpdate, "asyncio.Future[UpdateResult]"]


def _is_lock_busy(exc: DBAPIError) -> bool:
    return isinstance(exc, OperationalError) and "database is locked" in str(exc.orig)


class StateWriter:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        max_batch: int = 500,
        retries: int = 2,
        lock_wait: float = 10.0,
        threads: int = 0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        """``engine``: for SQLite, one made with ``sqlite_busy_ms=0``. ``lock_wait``: seconds to keep
        retrying a busy SQLite lock before failing the batch. ``threads``: 0 applies batches in the
        event loop's thread, one at a time; N > 0 applies up to N batches at once in worker threads."""
        self.engine = engine
        self.clock = clock
        self.max_batch = max_batch
        self.retries = retries
        self.lock_wait = lock_wait
        self.on_batch = on_batch
        self._pending: list[_Pending] = []
        self._drainers = 0
        self._max_drainers = max(threads, 1)
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="apfmon-writer") if threads else None
        self._stopped = False
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, update: StateUpdate) -> UpdateResult:
        if self._stopped:
            raise WriterUnavailable("the state writer is stopped")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[UpdateResult] = loop.create_future()
        self._pending.append((update, fut))
        if self._drainers < self._max_drainers:
            self._drainers += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await fut

    def close(self) -> None:
        self._stopped = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
                await self._flush(batch)
        finally:
            self._drainers -= 1

    def _apply(self, updates: list[StateUpdate]) -> list[UpdateResult]:
        with writing(self.engine) as conn:
            return apply_updates(conn, updates, self.clock.now())

    async def _flush(self, batch: list[_Pending]) -> None:
        outcome: list[UpdateResult] | BaseException = WriterUnavailable("not attempted")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.lock_wait
        failures = 0
        delay = 0.0005
        while True:
            updates = [u for u, _ in batch]
            try:
                if self._pool is None:
                    outcome = self._apply(updates)
                else:
                    outcome = await loop.run_in_executor(self._pool, self._apply, updates)
                break
            except DBAPIError as exc:
                if _is_lock_busy(exc) and loop.time() < deadline:
                    await asyncio.sleep(delay)  # another process writes: let this one serve meanwhile
                    delay = min(delay * 2, 0.01)
                    continue
                failures += 1
                log.warning("state batch of %d failed (attempt %d): %s", len(batch), failures, exc)
                outcome = WriterUnavailable(f"database error: {exc.orig}")
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
