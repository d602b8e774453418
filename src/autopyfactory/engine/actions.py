"""Carrying out one queue's decision: submit or retire pilots, clean up, tell the monitors.

Runs on a pool thread, one action per queue at a time. Every plugin call has the
``batchsubmit.timeout`` deadline (monitor calls ``monitor.timeout``). Submission goes in calls of
at most ``batchsubmit.batchsize`` pilots, each under the backend's ``batchsubmit.concurrency``
bound, and each batch's pilots are handed to the monitors and then dropped, so memory stays
bounded whatever the decision. After a stop is requested no new batch starts."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from autopyfactory.config.factory import FactorySettings
from autopyfactory.engine.calls import Overran, RunningCall, call_with_deadline
from autopyfactory.engine.monitor_calls import MonitorCalls
from autopyfactory.engine.pool import DaemonPool
from autopyfactory.engine.queue import Outcome, QueueRuntime

log = logging.getLogger("autopyfactory.factory")
T = TypeVar("T")


class NoSlot(RuntimeError):
    """Every submission slot of the backend stayed busy for the whole deadline."""


class ActionRunner:
    def __init__(
        self,
        pool: DaemonPool,
        settings: FactorySettings,
        monitors: MonitorCalls,
        slot: Callable[[QueueRuntime], threading.BoundedSemaphore],
        stopping: threading.Event,
    ) -> None:
        self.pool = pool
        self.settings = settings
        self.monitors = monitors
        self.slot = slot
        self.stopping = stopping

    def run(self, rt: QueueRuntime, out: Outcome) -> None:
        """Carry out ``out`` (its ``target``); the result goes into ``out``. Never raises."""
        assert out.decision is not None
        try:
            if out.target > 0:
                self._submit(rt, out)
            else:
                self._retire(rt, out, -out.target)
            if not self.stopping.is_set():
                self._cleanup(rt)
        except Overran as exc:
            rt.overrun = exc.running
            out.error = f"{exc}; the queue is skipped until it returns"
            log.error("queue=%s %s", rt.name, out.error)
        except Exception as exc:
            out.error = f"{type(exc).__name__}: {exc}"
        if out.error and not (out.submitted or out.retired):
            out.action = "error"
        msg = out.decision.message
        if msg and not out.error and not self.stopping.is_set():
            for m in rt.monitors:
                self.monitors.call(m, rt.name, "update_label", lambda m=m: m.update_label(rt.section, msg))  # type: ignore[misc]

    def _call(self, rt: QueueRuntime, call: str, fn: Callable[[], T], slot: bool = True) -> T:
        deadline = self.settings.submit_timeout

        def run(running: RunningCall) -> T:
            if not slot:
                return fn()
            sem = self.slot(rt)
            running.waiting_for = "a submission slot (batchsubmit.concurrency)"
            if not sem.acquire(timeout=max(0.0, deadline - running.seconds())):
                raise NoSlot(f"no submission slot of the backend came free within {deadline:g}s")
            running.waiting_for = ""
            try:
                return fn()
            finally:
                sem.release()

        return call_with_deadline(
            self.pool, f"queue={rt.name}", rt.submitter.name, call, run, deadline, "batchsubmit.timeout"
        )

    def _submit(self, rt: QueueRuntime, out: Outcome) -> None:
        n, size = out.target, self.settings.submit_batch
        out.action = "submitted 0"
        while out.submitted < n:
            if self.stopping.is_set():
                out.action += f" of {n} (stopping: no new batch)"
                return
            k = min(size, n - out.submitted)
            pilots = self._call(rt, "submit", lambda k=k: rt.submitter.submit(k))  # type: ignore[misc]
            made = len(pilots)
            out.submitted += made
            out.action = f"submitted {out.submitted}"
            for m in rt.monitors:
                self.monitors.call(
                    m,
                    rt.name,
                    "register_pilots",
                    lambda m=m, p=pilots: m.register_pilots(rt.section, p),  # type: ignore[misc]
                )
            del pilots  # only the count is kept
            if made < k:  # the plugin made fewer than asked: no more this cycle
                return

    def _retire(self, rt: QueueRuntime, out: Outcome, n: int) -> None:
        retired = self._call(rt, "retire", lambda: rt.submitter.retire(n))
        out.retired = len(retired)
        out.action = f"retired {len(retired)}" + (" (peaceful)" if rt.submitter.peaceful else "")

    def _cleanup(self, rt: QueueRuntime) -> None:
        t0 = time.monotonic()
        try:
            self._call(rt, "cleanup", rt.submitter.cleanup)
        except Overran:
            raise
        except Exception:
            log.exception("queue=%s cleanup failed (after %.1fs)", rt.name, time.monotonic() - t0)
