"""Plugin calls with a deadline the engine enforces.

Every call the engine makes into a plugin (status poll, submit, retire, cleanup, monitor calls,
close) runs on an executor (in the daemon a :class:`~autopyfactory.engine.pool.DaemonPool` thread)
while the caller waits at most the call's deadline. A call that overruns is not abandoned
silently: :class:`Overran` carries the :class:`RunningCall`, which the engine keeps on the queue
(or monitor) so that nothing else is started there until that call returns, and which logs when
it finally does."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from autopyfactory.engine.clock import SYSTEM_CLOCK, Clock
from autopyfactory.engine.executors import Executor

log = logging.getLogger("autopyfactory.factory")
T = TypeVar("T")


@dataclass
class RunningCall:
    """A plugin call under way: who, what, since when (``clock.monotonic()``), and its deadline
    (seconds)."""

    owner: str  # "queue=Q" or "monitor=M"
    plugin: str
    call: str
    deadline: float
    key: str  # the [Factory] key that sets the deadline
    future: Future[Any]
    started: float
    clock: Clock = SYSTEM_CLOCK

    def seconds(self) -> float:
        return self.clock.monotonic() - self.started

    @property
    def done(self) -> bool:
        return self.future.done()

    def describe(self) -> str:
        what = f"plugin={self.plugin} call={self.call}"
        return f"{what} running for {self.seconds():.0f}s, deadline {self.deadline:g}s ({self.key})"


class Overran(Exception):
    """A plugin call did not return within its deadline; it goes on in its thread."""

    def __init__(self, running: RunningCall) -> None:
        self.running = running
        super().__init__(
            f"plugin={running.plugin} call={running.call} did not return within its deadline of "
            f"{running.deadline:g}s ({running.key})"
        )


def call_with_deadline(
    executor: Executor,
    owner: str,
    plugin: str,
    call: str,
    fn: Callable[[], T],
    deadline: float,
    key: str,
    clock: Clock = SYSTEM_CLOCK,
    afterwards: str = "no longer skipped",
) -> T:
    """``fn()`` on ``executor``; its result, its exception, or :class:`Overran` after ``deadline``
    seconds. When it overruns, the call's end is logged (with how late it was, and ``afterwards``:
    what happens then). On an inline
    executor the call has ended when it is submitted: it never overruns."""
    started = clock.monotonic()
    fut: Future[T] = executor.submit(fn)
    running = RunningCall(owner, plugin, call, deadline, key, fut, started, clock)
    try:
        return fut.result(timeout=deadline)
    except FutureTimeout:
        fut.add_done_callback(lambda f: _late(running, f, afterwards))
        raise Overran(running) from None


def _late(running: RunningCall, fut: Future[Any], afterwards: str) -> None:
    exc = fut.exception()
    outcome = f"failed: {type(exc).__name__}: {exc}" if exc is not None else "returned"
    result = None if exc is not None else fut.result()
    if isinstance(result, list):
        outcome += f" {len(result)} item(s)"
    log.warning(
        "%s plugin=%s call=%s %s after %.0fs, %.0fs past its deadline; %s",
        running.owner,
        running.plugin,
        running.call,
        outcome,
        running.seconds(),
        running.seconds() - running.deadline,
        afterwards,
    )
