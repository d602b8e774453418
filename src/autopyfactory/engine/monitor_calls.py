"""Calls into monitor plugins, each with the ``[Factory] monitor.timeout`` deadline.

A monitor is informational: its failure or hang never stops pilots. A call that fails is logged
and the cycle goes on; a call that overruns marks that monitor, and every call to it is skipped
(logged) until the overrunning call returns, so a hung monitor costs one thread, not one per call."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from autopyfactory.engine.calls import Overran, RunningCall, call_with_deadline
from autopyfactory.engine.clock import SYSTEM_CLOCK, Clock
from autopyfactory.engine.executors import Executor
from autopyfactory.plugins.monitor import MonitorPlugin

log = logging.getLogger("autopyfactory.factory")


class MonitorCalls:
    """Every call the engine makes into monitor plugins, with the ``monitor.timeout`` deadline and
    the memory of which monitor has a call that overran."""

    def __init__(self, executor: Executor, timeout: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.executor = executor
        self.timeout = timeout
        self.clock = clock
        self._overrun: dict[int, RunningCall] = {}
        self._lock = threading.Lock()

    def busy(self, monitor: MonitorPlugin) -> RunningCall | None:
        with self._lock:
            running = self._overrun.get(id(monitor))
            if running is not None and running.done:
                del self._overrun[id(monitor)]
                return None
            return running

    def call(self, monitor: MonitorPlugin, queue: str, call: str, fn: Callable[[], None]) -> bool:
        """``fn()`` (a call of ``monitor`` about ``queue``) within the deadline; False when it
        failed, overran or was skipped (all logged)."""
        name = monitor.section.name
        running = self.busy(monitor)
        if running is not None:
            log.warning(
                "monitor=%s queue=%s call=%s skipped: an earlier call overran (%s)",
                name,
                queue,
                call,
                running.describe(),
            )
            return False
        try:
            call_with_deadline(
                self.executor,
                f"monitor={name}",
                monitor.name,
                call,
                fn,
                self.timeout,
                "monitor.timeout",
                self.clock,
            )
            return True
        except Overran as exc:
            with self._lock:
                self._overrun[id(monitor)] = exc.running
            log.error(
                "monitor=%s queue=%s %s; calls to this monitor are skipped until it returns", name, queue, exc
            )
        except Exception as exc:
            log.warning("monitor=%s queue=%s call failed (cycle continues): %s", name, queue, exc)
        return False
