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
from autopyfactory.engine.calls import Overran, call_with_deadline
from autopyfactory.engine.monitor_calls import MonitorCalls
from autopyfactory.engine.pool import DaemonPool
from autopyfactory.engine.queue import Outcome, QueueRuntime

log = logging.getLogger("autopyfactory.factory")
T = TypeVar("T")


class Stopping(Exception):
    """A stop came while the action waited for a submission slot."""


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
                out.action = "retired 0"
                self._retire(rt, out, -out.target)
            if not self.stopping.is_set():
                self._cleanup(rt)
        except Overran as exc:
            rt.overrun = exc.running
            out.error = f"{exc}; the queue is skipped until it returns"
            log.error("queue=%s %s", rt.name, out.error)
        except Stopping:
            out.action += " (stopping: no new call started)"
        except Exception as exc:
            out.error = f"{type(exc).__name__}: {exc}"
        if out.error and not (out.submitted or out.retired):
            out.action = "error"
        msg = out.decision.message
        if msg and not out.error and not self.stopping.is_set():
            for m in rt.monitors:
                self.monitors.call(m, rt.name, "update_label", lambda m=m: m.update_label(rt.section, msg))  # type: ignore[misc]

    def _call(self, rt: QueueRuntime, call: str, fn: Callable[[], T]) -> T:
        """``fn()`` (a call of the queue's submit plugin) with the ``batchsubmit.timeout`` deadline,
        in one of the backend's ``batchsubmit.concurrency`` slots. The slot is given back when the
        call returns or overruns (a hung call is no load on the backend, and must not starve it)."""
        sem = self.slot(rt)
        while not sem.acquire(timeout=0.2):
            if self.stopping.is_set():
                raise Stopping()
        try:
            return call_with_deadline(
                self.pool,
                f"queue={rt.name}",
                rt.submitter.name,
                call,
                fn,
                self.settings.submit_timeout,
                "batchsubmit.timeout",
            )
        finally:
            sem.release()

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
        except (Overran, Stopping):
            raise
        except Exception:
            log.exception("queue=%s cleanup failed (after %.1fs)", rt.name, time.monotonic() - t0)
