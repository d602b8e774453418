"""Where the engine runs plugin calls, the queues' actions and status polls.

The daemon runs them on :class:`~autopyfactory.engine.pool.DaemonPool` threads, so a call that hangs
costs one thread and the engine waits for it at most its deadline (``Executors.threaded()``). A
simulator runs them in the caller's thread, one after the other (``Executors.inline()``): the same
cycle code, no threads, and no call can overrun its deadline because nothing is waited for while
it runs."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Protocol, TypeVar

from autopyfactory.engine.pool import DaemonPool

T = TypeVar("T")

ACTION_THREADS = 32  # queues' actions carried out at once (each within its own calls' deadlines)


class Executor(Protocol):
    """Runs a function and gives its future (``DaemonPool`` and :class:`InlineExecutor` are ones)."""

    def submit(self, fn: Callable[[], T]) -> Future[T]: ...

    def close(self) -> None: ...


class InlineExecutor:
    """Runs each function at once, in the caller's thread; the future it returns is done.

    An exception of the function goes into the future (as on a pool thread); ``KeyboardInterrupt``
    and ``SystemExit`` go on up, so a simulation can be interrupted."""

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        fut.set_running_or_notify_cancel()
        try:
            result = fn()
        except Exception as exc:
            fut.set_exception(exc)
        else:
            fut.set_result(result)
        return fut

    def close(self) -> None:
        """Nothing to release."""


@dataclass(frozen=True)
class Executors:
    """The engine's three executors: ``calls`` for plugin calls with deadlines (submit, retire,
    cleanup, monitor calls, closing plugins), ``actions`` for the queues' actions (each a sequence
    of calls), ``polls`` for status polls (and closing status plugins)."""

    calls: Executor
    actions: Executor
    polls: Executor

    @classmethod
    def threaded(cls, action_threads: int = ACTION_THREADS) -> Executors:
        """Daemon thread pools: plugin calls and polls without a maximum (a hung call holds only its
        own thread, and the engine never starts a second call where one still runs), actions on at
        most ``action_threads`` threads."""
        return cls(
            DaemonPool("plugin"), DaemonPool("action", max_threads=action_threads), DaemonPool("status")
        )

    @classmethod
    def inline(cls) -> Executors:
        """Everything in the caller's thread: one cycle runs to its end before ``run_cycle`` returns."""
        inline = InlineExecutor()
        return cls(inline, inline, inline)

    def close(self) -> None:
        """No new work; what still runs goes on in its thread."""
        for executor in {id(e): e for e in (self.calls, self.actions, self.polls)}.values():
            executor.close()
