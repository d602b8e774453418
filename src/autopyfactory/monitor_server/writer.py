"""The job state writer: wrapper and factory state updates are applied in batches by one thread.

Each HTTP request queues its update and awaits the result; the thread takes whatever has queued up
(up to ``max_batch``) and applies it in a single transaction. Under load this turns hundreds of
commits into a few, which is what lets SQLite and PostgreSQL keep up with thousands of pilots."""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from autopyfactory.monitor_server.clock import Clock
from autopyfactory.monitor_server.db.tx import writing
from autopyfactory.monitor_server.store.transitions import StateUpdate, UpdateResult, apply_updates

log = logging.getLogger(__name__)


class WriterUnavailable(RuntimeError):
    """The database refused the batch (after retries) or the writer is stopped."""


@dataclass(slots=True)
class _Pending:
    update: StateUpdate
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[UpdateResult]


def _settle(items: list[tuple[asyncio.Future[UpdateResult], UpdateResult | BaseException]]) -> None:
    for fut, res in items:
        if fut.done():
            continue
        if isinstance(res, BaseException):
            fut.set_exception(res)
        else:
            fut.set_result(res)


class StateWriter:
    def __init__(
        self,
        engine: Engine,
        clock: Clock,
        max_batch: int = 500,
        retries: int = 3,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.max_batch = max_batch
        self.retries = retries
        self.on_batch = on_batch
        self._q: queue.SimpleQueue[_Pending | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="apfmon-writer", daemon=True)
        self._stopped = False
        self._thread.start()

    async def submit(self, update: StateUpdate) -> UpdateResult:
        if self._stopped:
            raise WriterUnavailable("the state writer is stopped")
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[UpdateResult] = loop.create_future()
        self._q.put(_Pending(update, loop, fut))
        return await fut

    def close(self, timeout: float = 10.0) -> None:
        if not self._stopped:
            self._stopped = True
            self._q.put(None)
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            first = self._q.get()
            if first is None:
                return
            batch = [first]
            stop = False
            while len(batch) < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            self._flush(batch)
            if stop:
                return

    def _flush(self, batch: list[_Pending]) -> None:
        outcome: list[UpdateResult] | BaseException = WriterUnavailable("not attempted")
        for attempt in range(self.retries):
            try:
                with writing(self.engine) as conn:
                    outcome = apply_updates(conn, [p.update for p in batch], self.clock.now())
                break
            except DBAPIError as exc:
                log.warning("state batch of %d failed (attempt %d): %s", len(batch), attempt + 1, exc)
                outcome = WriterUnavailable(f"database error: {exc.orig}")
                time.sleep(0.05 * (attempt + 1))
            except Exception as exc:  # a bug: fail these requests, keep the writer alive
                log.exception("state batch of %d failed", len(batch))
                outcome = WriterUnavailable(str(exc))
                break
        if self.on_batch is not None:
            self.on_batch(len(batch))
        by_loop: dict[
            asyncio.AbstractEventLoop, list[tuple[asyncio.Future[UpdateResult], UpdateResult | BaseException]]
        ] = {}
        for i, p in enumerate(batch):
            res = outcome if isinstance(outcome, BaseException) else outcome[i]
            by_loop.setdefault(p.loop, []).append((p.future, res))
        for loop, items in by_loop.items():
            try:
                loop.call_soon_threadsafe(_settle, items)
            except RuntimeError:  # the loop is closed: nobody is waiting any more
                pass
