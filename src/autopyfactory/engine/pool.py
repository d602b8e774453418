"""Daemon worker threads for plugin calls that may never return.

``concurrent.futures.ThreadPoolExecutor`` is the wrong tool for calls into plugins: a call that
hangs holds one of a fixed number of workers for ever (enough of them starve everything else), and
its worker threads are joined when the interpreter exits, so one hung call also blocks the exit.
:class:`DaemonPool` starts a thread whenever no worker is idle (up to ``max_threads``, when given;
further calls wait in order), lets idle workers end after a while, and uses daemon threads: a hung
call costs one thread, and the process can still exit. The engine runs plugin calls on a pool
without a maximum, and never starts a second call for a queue or status source whose call is still
running, so the number of threads stays bounded by the number of queues and sources; the queues'
actions, which always end (each of their calls has a deadline), run on a pool with a maximum."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")


class DaemonPool:
    """Daemon worker threads started on demand (up to ``max_threads``, when given); idle ones end after
    ``idle_seconds``. ``submit`` gives a future."""

    def __init__(self, name: str, idle_seconds: float = 60.0, max_threads: int | None = None) -> None:
        self.name = name
        self.idle_seconds = idle_seconds
        self.max_threads = max_threads
        self._tasks: deque[tuple[Future[Any], Callable[[], Any]]] = deque()
        self._cond = threading.Condition()
        self._idle = 0
        self._threads = 0
        self._started = 0
        self._closed = False

    @property
    def threads(self) -> int:
        """Worker threads alive now (busy or idle)."""
        return self._threads

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        fut: Future[T] = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError(f"pool {self.name} is closed")
            self._tasks.append((fut, fn))
            if self._idle >= len(self._tasks) or (
                self.max_threads is not None and self._threads >= self.max_threads
            ):
                self._cond.notify()
                return fut
            self._threads += 1
            self._started += 1
            number = self._started
        threading.Thread(target=self._work, name=f"{self.name}-{number}", daemon=True).start()
        return fut

    def close(self) -> None:
        """No new calls; idle workers end (calls still running go on in their threads)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._tasks:
                    if self._closed:
                        self._threads -= 1
                        return
                    self._idle += 1
                    woke = self._cond.wait(self.idle_seconds)
                    self._idle -= 1
                    if not woke and not self._tasks:
                        self._threads -= 1
                        return
                fut, fn = self._tasks.popleft()
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                result = fn()
            except BaseException as exc:
                fut.set_exception(exc)
            else:
                fut.set_result(result)
            del fut, fn
