"""Carrying out one queue's decision: submit or retire pilots, clean up, register the pilots with
the monitors (each queue's status goes to them after the cycle: :mod:`.queue_reports`).

Runs on the actions executor, one action per queue at a time. Every plugin call has the
``batchsubmit.timeout`` deadline (monitor calls ``monitor.timeout``). Submission goes in calls of
at most ``batchsubmit.batchsize`` pilots, each under the backend's ``batchsubmit.concurrency``
bound, and each batch's pilots are handed to the monitors and then dropped, so memory stays
bounded whatever the decision. After a stop is requested no new batch starts."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from autopyfactory.config.factory import FactorySettings
from autopyfactory.engine.calls import Overran, call_with_deadline
from autopyfactory.engine.clock import SYSTEM_CLOCK, Clock
from autopyfactory.engine.executors import Executor
from autopyfactory.engine.monitor_calls import MonitorCalls
from autopyfactory.engine.outcome import ActionKind, Outcome, StopPoint
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.context import AuthFailure
from autopyfactory.plugins.monitor import MonitorPlugin

log = logging.getLogger("autopyfactory.factory")
T = TypeVar("T")

SLOT_WAIT = 0.2  # seconds between looks at the stop flag while waiting for a submission slot


class Stopping(Exception):
    """A stop came while the action waited for a submission slot."""


class ActionRunner:
    """Carries out queues' actions (:meth:`run`): the plugin calls on ``executor`` with their
    deadlines, each in one of its backend's submission slots (``slot(queue)``), the monitors told
    through ``monitors``; ``stopping`` set: no new batch or call starts."""

    def __init__(
        self,
        executor: Executor,
        settings: FactorySettings,
        monitors: MonitorCalls,
        slot: Callable[[QueueRuntime], threading.BoundedSemaphore],
        stopping: threading.Event,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.executor = executor
        self.settings = settings
        self.monitors = monitors
        self.slot = slot
        self.stopping = stopping
        self.clock = clock

    def run(self, rt: QueueRuntime, out: Outcome) -> None:
        """Carry out ``out`` (its ``target``); the result goes into ``out``. Never raises."""
        assert out.decision is not None and out.acts
        try:
            if out.kind is ActionKind.SUBMIT:
                self._submit(rt, out)
            elif out.kind is ActionKind.WITHDRAW:
                withdrawn = self._call(rt, "withdraw", lambda: rt.submitter.withdraw(-out.target))
                out.withdrawn = len(withdrawn)
            else:
                self._retire(rt, out, -out.target)
            if not self.stopping.is_set():
                self._cleanup(rt)
        except Overran as exc:
            rt.overrun = exc.running
            out.error = f"{exc}; the queue is skipped until it returns"
            log.error("queue=%s %s", rt.name, out.error)
        except Stopping:
            out.stopped = StopPoint.BEFORE_CALL
        except AuthFailure as exc:  # a credential problem: the queue submits nothing and says why
            out.error = f"no valid credential: {exc}"
        except Exception as exc:
            out.error = f"{type(exc).__name__}: {exc}"

    def _call(self, rt: QueueRuntime, call: str, fn: Callable[[], T]) -> T:
        """``fn()`` (a call of the queue's submit plugin) with the ``batchsubmit.timeout`` deadline,
        in one of the backend's ``batchsubmit.concurrency`` slots. The slot is given back when the
        call returns or overruns (a hung call is no load on the backend, and must not starve it)."""
        sem = self.slot(rt)
        while not sem.acquire(timeout=SLOT_WAIT):
            if self.stopping.is_set():
                raise Stopping()
        try:
            return call_with_deadline(
                self.executor,
                f"queue={rt.name}",
                rt.submitter.name,
                call,
                fn,
                self.settings.submit_timeout,
                "batchsubmit.timeout",
                self.clock,
            )
        finally:
            sem.release()

    def _submit(self, rt: QueueRuntime, out: Outcome) -> None:
        wanted, batch_size = out.target, self.settings.submit_batch
        while out.submitted < wanted:
            if self.stopping.is_set():
                out.stopped = StopPoint.BEFORE_BATCH
                return
            asked = min(batch_size, wanted - out.submitted)
            pilots = self._call(rt, "submit", _submission(rt, asked))
            made = len(pilots)
            out.submitted += made
            for monitor in rt.monitors:
                self.monitors.call(monitor, rt.name, "register_pilots", _registration(monitor, rt, pilots))
            del pilots  # only the count is kept
            if made < asked:  # the plugin made fewer than asked: no more this cycle
                return

    def _retire(self, rt: QueueRuntime, out: Outcome, n: int) -> None:
        retired = self._call(rt, "retire", lambda: rt.submitter.retire(n))
        out.retired = len(retired)
        out.peaceful = rt.submitter.peaceful

    def _cleanup(self, rt: QueueRuntime) -> None:
        t0 = self.clock.monotonic()
        try:
            self._call(rt, "cleanup", rt.submitter.cleanup)
        except (Overran, Stopping):
            raise
        except Exception:
            log.exception("queue=%s cleanup failed (after %.1fs)", rt.name, self.clock.monotonic() - t0)


def _submission(rt: QueueRuntime, n: int) -> Callable[[], list[PilotRecord]]:
    return lambda: rt.submitter.submit(n)


def _registration(
    monitor: MonitorPlugin, rt: QueueRuntime, pilots: Sequence[PilotRecord]
) -> Callable[[], None]:
    return lambda: monitor.register_pilots(rt.section, pilots)
