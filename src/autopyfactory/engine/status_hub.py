"""Shared status plugin instances, and polling them once per cycle."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Hashable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass
from typing import Any

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchView
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import StatusPlugin

log = logging.getLogger(__name__)

StatusKey = tuple[str, str, Hashable]  # (category, plugin name, instance key)


@dataclass
class PollResult:
    """One instance's outcome this cycle: a view, or why there is none."""

    view: WMSView | BatchView | None
    error: str = ""
    seconds: float = 0.0


class StatusHub:
    """Creates each status plugin instance once (per its instance key) and polls the instances a
    cycle needs, concurrently, each at most once. A poll still running from an earlier cycle is
    not started again; its instance reports no data until it returns."""

    def __init__(self, ctx: FactoryContext, reg: Registry, max_workers: int = 8) -> None:
        self.ctx = ctx
        self.reg = reg
        self._instances: dict[StatusKey, StatusPlugin] = {}
        self._inflight: dict[StatusKey, Future[Any]] = {}
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="status")
        self._lock = threading.Lock()
        self.poll_counts: dict[StatusKey, int] = {}

    def instance(self, category: str, name: str, queue: ConfigSection) -> tuple[StatusKey, StatusPlugin]:
        cls = self.reg.get(category, name)
        key: StatusKey = (category, name, cls.instance_key(queue))
        with self._lock:
            inst = self._instances.get(key)
            if inst is None:
                inst = self._instances[key] = cls(self.ctx, queue)
        return key, inst

    def get(self, key: StatusKey) -> StatusPlugin | None:
        return self._instances.get(key)

    def poll(self, keys: Iterable[StatusKey], timeout: float) -> dict[StatusKey, PollResult]:
        started = time.monotonic()
        futures: dict[StatusKey, Future[Any]] = {}
        results: dict[StatusKey, PollResult] = {}
        for key in set(keys):
            inst = self._instances.get(key)
            if inst is None:
                results[key] = PollResult(None, "no such status instance")
                continue
            prev = self._inflight.get(key)
            if prev is not None and not prev.done():
                results[key] = PollResult(None, "previous query still running")
                continue
            fut = self._pool.submit(self._timed_poll, inst)
            self._inflight[key] = fut
            futures[key] = fut
            self.poll_counts[key] = self.poll_counts.get(key, 0) + 1
        if futures:
            wait_futures(list(futures.values()), timeout=timeout)
        for key, fut in futures.items():
            if not fut.done():
                results[key] = PollResult(
                    None, f"query took longer than {timeout:.0f}s", time.monotonic() - started
                )
                log.error(
                    "status source %s/%s: query still running after %.0fs; its data counts as missing",
                    key[0],
                    key[1],
                    timeout,
                )
                continue
            exc = fut.exception()
            if exc is not None:
                results[key] = PollResult(None, f"{type(exc).__name__}: {exc}")
                log.error("status source %s/%s failed: %s: %s", key[0], key[1], type(exc).__name__, exc)
                continue
            view, seconds = fut.result()
            results[key] = PollResult(view, "", seconds)
            log.debug("status source %s/%s polled in %.3fs", key[0], key[1], seconds)
        return results

    @staticmethod
    def _timed_poll(inst: StatusPlugin) -> tuple[Any, float]:
        t0 = time.monotonic()
        view = inst.poll()  # type: ignore[attr-defined]
        return view, time.monotonic() - t0

    def retain(self, used: set[StatusKey]) -> None:
        """Close instances no queue uses any more."""
        with self._lock:
            for key in [k for k in self._instances if k not in used]:
                inst = self._instances.pop(key)
                self._inflight.pop(key, None)
                try:
                    inst.close()
                except Exception:
                    log.exception("closing status source %s/%s", key[0], key[1])

    def close(self) -> None:
        self.retain(set())
        self._pool.shutdown(wait=False, cancel_futures=True)
