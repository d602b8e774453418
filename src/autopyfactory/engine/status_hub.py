"""Shared status plugin instances, and polling them once per cycle."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Hashable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.clock import SYSTEM_CLOCK, Clock
from autopyfactory.engine.executors import Executor
from autopyfactory.engine.pool import DaemonPool
from autopyfactory.model.batch import BatchView
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.base import Category
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import StatusPlugin, View

log = logging.getLogger(__name__)

StatusKey = tuple[str, str, Hashable]  # (category, plugin name, instance key)
S = TypeVar("S", bound=StatusPlugin[Any])
CLOSE_WAIT = 10.0  # seconds a status plugin's close() may take before it is left to finish alone


_GENERATIONS = itertools.count(1)


@dataclass(frozen=True)
class Adopted:
    """The instance key of a status source a hub took over from an earlier one (:meth:`StatusHub.adopt`):
    made with an earlier configuration, so no queue built on the new hub ever shares it."""

    generation: int  # the hub it was made on
    key: Hashable


class PollFailure(Enum):
    """Why a poll gave no view."""

    ERROR = "error"  # the poll raised
    TIMEOUT = "timeout"  # it ran past status.timeout (it goes on in its thread)
    BUSY = "busy"  # its poll of an earlier cycle still runs: not started again
    MISSING = "missing"  # no such instance, or not polled


@dataclass
class PollResult:
    """One instance's outcome this cycle: a view, or why there is none (``error``, ``failure``).
    ``seconds``: how long the poll took (for a timeout: how long it had run)."""

    view: WMSView | BatchView | None
    error: str = ""
    seconds: float = 0.0
    failure: PollFailure | None = None


class PollRound:
    """The polls of one cycle, started together. A queue can go on as soon as its own sources
    are :meth:`ready`; a source still running ``timeout`` seconds after the start counts as
    missing (its poll goes on in its thread, and is not started again until it returns)."""

    def __init__(self, hub: StatusHub, keys: Iterable[StatusKey], timeout: float) -> None:
        self.hub = hub
        self.clock = hub.clock
        self.timeout = timeout
        self.started = self.clock.monotonic()
        self._changed = threading.Event()
        self._futures: dict[StatusKey, Future[Any]] = {}
        self._results: dict[StatusKey, PollResult] = {}
        self._began: dict[StatusKey, float] = {}
        self._ended: dict[StatusKey, float] = {}
        for key in set(keys):
            self._start(key)

    def _start(self, key: StatusKey) -> None:
        hub = self.hub
        inst = hub._instances.get(key)
        if inst is None:
            self._results[key] = PollResult(None, "no such status instance", failure=PollFailure.MISSING)
            return
        prev = hub._inflight.get(key)
        if prev is not None and not prev[0].done():
            running = self.clock.monotonic() - prev[1]
            self._results[key] = PollResult(
                None,
                f"plugin={key[1]} call=poll still running after {running:.0f}s (status.timeout)",
                running,
                PollFailure.BUSY,
            )
            return
        started = self.clock.monotonic()
        fut = hub._executor.submit(lambda: _timed_poll(inst, self.clock))
        hub._inflight[key] = (fut, started)
        hub.poll_counts[key] = hub.poll_counts.get(key, 0) + 1
        self._began[key] = started
        fut.add_done_callback(lambda _f: self._done(key))
        self._futures[key] = fut

    def _done(self, key: StatusKey) -> None:
        self._ended[key] = self.clock.monotonic()
        self._changed.set()

    @property
    def expired(self) -> bool:
        return self.clock.monotonic() - self.started >= self.timeout

    def ready(self, key: StatusKey) -> bool:
        """The key's result is known (answered, failed, or past the timeout)."""
        if key in self._results:
            return True
        fut = self._futures.get(key)
        return fut is None or fut.done() or self.expired

    def result(self, key: StatusKey) -> PollResult:
        r = self._results.get(key)
        if r is not None:
            return r
        fut = self._futures.get(key)
        if fut is None:
            return PollResult(None, "not polled", failure=PollFailure.MISSING)
        if not fut.done():
            if not self.expired:
                return PollResult(None, "query still running")
            r = PollResult(
                None,
                f"plugin={key[1]} call=poll took longer than {self.timeout:g}s (status.timeout)",
                self.clock.monotonic() - self.started,
                PollFailure.TIMEOUT,
            )
            log.error(
                "status source %s/%s: poll still running after %.0fs (status.timeout); its data "
                "counts as missing, and it is not polled again until it returns",
                key[0],
                key[1],
                self.timeout,
            )
        elif (exc := fut.exception()) is not None:
            r = PollResult(None, f"{type(exc).__name__}: {exc}", self._took(key), PollFailure.ERROR)
            log.error("status source %s/%s failed: %s: %s", key[0], key[1], type(exc).__name__, exc)
        else:
            view, seconds = fut.result()
            r = PollResult(view, "", seconds)
            log.debug("status source %s/%s polled in %.3fs", key[0], key[1], seconds)
        self._results[key] = r
        return r

    def wait(self, stop: threading.Event | None = None, slice_: float = 0.2) -> None:
        """Until a poll ends, the timeout passes, or ``stop`` is set (looked at every ``slice_`` s)."""
        left = self.timeout - (self.clock.monotonic() - self.started)
        if left > 0 and not (stop is not None and stop.is_set()):
            self.clock.wait(self._changed, min(slice_, left) if stop is not None else left)
        self._changed.clear()

    def _took(self, key: StatusKey) -> float:
        """How long the poll of ``key`` (which ended) ran, as far as this round saw it."""
        return self._ended.get(key, self.clock.monotonic()) - self._began.get(key, self.started)

    def settled(self) -> dict[StatusKey, PollResult]:
        """The results known so far (the polls still running and not yet past the timeout are left
        out): what the cycle's queues saw."""
        return dict(self._results)

    def all_ready(self) -> bool:
        return all(self.ready(k) for k in (*self._futures, *self._results))

    def results(self) -> dict[StatusKey, PollResult]:
        return {k: self.result(k) for k in (*self._futures, *self._results)}


def _timed_poll(inst: StatusPlugin[View], clock: Clock) -> tuple[View, float]:
    t0 = clock.monotonic()
    view = inst.poll()
    return view, clock.monotonic() - t0


class StatusHub:
    """Creates each status plugin instance once (per its instance key) and polls the instances a
    cycle needs, concurrently, each at most once. A poll still running from an earlier cycle is
    not started again; its instance reports no data until it returns.

    Polls run on ``executor`` (None: a daemon pool of its own, closed with the hub; a given one is
    its owner's to close) and are timed by ``clock``."""

    def __init__(
        self,
        ctx: FactoryContext,
        reg: Registry,
        executor: Executor | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.ctx = ctx
        self.reg = reg
        self.clock = clock
        self._instances: dict[StatusKey, StatusPlugin[Any]] = {}
        self._inflight: dict[StatusKey, tuple[Future[Any], float]] = {}
        self._making: dict[StatusKey, Future[Any]] = {}  # instances being constructed
        self._own_executor = executor is None
        self._executor: Executor = DaemonPool("status") if executor is None else executor
        self._lock = threading.Lock()
        self.poll_counts: dict[StatusKey, int] = {}
        self.generation = next(_GENERATIONS)

    def instance(self, category: Category[S], name: str, queue: ConfigSection) -> tuple[StatusKey, S]:
        """The instance of status plugin ``name`` that ``queue`` uses (made when no queue had it yet);
        raises PluginNotFound, and whatever the plugin's constructor raises."""
        cls = self.reg.get(category, name)
        key: StatusKey = (category.name, name, cls.instance_key(queue))
        with self._lock:
            inst = self._instances.get(key)
            if inst is not None and category.holds(inst):
                return key, inst
            making = self._making.get(key)
            mine = making is None
            if making is None:
                making = self._making[key] = Future()
        if not mine:  # another queue is making it: wait for that one (the caller bounds the wait)
            made: S = making.result()
            return key, made
        try:  # outside the lock: a constructor that hangs holds up only the queues that need it
            made = cls(self.ctx, queue)
        except BaseException as exc:
            with self._lock:
                self._making.pop(key, None)
            making.set_exception(exc)
            raise
        with self._lock:
            self._instances[key] = made
            self._making.pop(key, None)
        making.set_result(made)
        return key, made

    def get(self, key: StatusKey) -> StatusPlugin[Any] | None:
        return self._instances.get(key)

    def adopt(self, other: StatusHub, keys: Iterable[StatusKey]) -> dict[StatusKey, StatusKey]:
        """Take over the instances of ``keys`` from ``other`` (a hub being replaced, whose
        ``close()`` then leaves them alone), with their polls under way; returns each old key's new
        key. They are keyed as :class:`Adopted`, so :meth:`instance` never hands them to a queue
        built on this hub (keys already adopted once keep theirs)."""
        moved: dict[StatusKey, StatusKey] = {}
        with other._lock, self._lock:
            for key in keys:
                inst = other._instances.pop(key, None)
                if inst is None:
                    continue
                part = key[2] if isinstance(key[2], Adopted) else Adopted(other.generation, key[2])
                new: StatusKey = (key[0], key[1], part)
                self._instances[new] = inst
                running = other._inflight.pop(key, None)
                if running is not None:
                    self._inflight[new] = running
                moved[key] = new
        return moved

    def begin(self, keys: Iterable[StatusKey], timeout: float) -> PollRound:
        return PollRound(self, keys, timeout)

    def poll(self, keys: Iterable[StatusKey], timeout: float) -> dict[StatusKey, PollResult]:
        """Poll ``keys`` and wait for all of them (at most ``timeout`` seconds)."""
        rnd = self.begin(keys, timeout)
        while not rnd.all_ready():
            rnd.wait()
        return rnd.results()

    def retain(self, used: set[StatusKey], wait: float = CLOSE_WAIT) -> None:
        """Close instances no queue uses any more (each close waited for at most ``wait`` s)."""
        with self._lock:
            gone = [(k, self._instances.pop(k)) for k in list(self._instances) if k not in used]
            for key, _ in gone:
                self._inflight.pop(key, None)
        futures = [(key, self._executor.submit(inst.close)) for key, inst in gone]
        end = self.clock.monotonic() + wait
        for key, fut in futures:
            try:
                fut.result(timeout=max(0.0, end - self.clock.monotonic()))
            except TimeoutError:
                log.error(
                    "closing status source %s/%s: still running after %.0fs; left", key[0], key[1], wait
                )
            except Exception:
                log.exception("closing status source %s/%s", key[0], key[1])

    def close(self, wait: float = CLOSE_WAIT) -> None:
        self.retain(set(), wait)
        if self._own_executor:
            self._executor.close()
