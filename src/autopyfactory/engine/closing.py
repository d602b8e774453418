"""Closing plugins (and services) together, each bounded by a shared wait."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from typing import Any

from autopyfactory.engine.clock import Clock
from autopyfactory.engine.control import Control
from autopyfactory.engine.executors import Executor
from autopyfactory.engine.waiting import wait_done

log = logging.getLogger("autopyfactory.factory")

Closer = tuple[str, Callable[[], Any]]  # (what, how to close it)


def close_all(
    closing: Sequence[Closer], executor: Executor, wait: float, control: Control, clock: Clock
) -> list[str]:
    """Run every close concurrently on ``executor``; wait at most ``wait`` seconds (less after a
    second stop signal). Failures are logged; the closes still running are logged and named in the
    list returned (they go on in their threads)."""
    if not closing:
        return []
    futures: list[tuple[str, Future[Any]]] = [(what, executor.submit(fn)) for what, fn in closing]
    wait_done([f for _, f in futures], clock.time() + wait, control, clock)
    left: list[str] = []
    for what, fut in futures:
        if not fut.done():
            log.error("closing %s: still running after %.0fs; left behind", what, wait)
            left.append(f"closing {what}")
        elif (exc := fut.exception()) is not None:
            log.error("closing %s failed: %s: %s", what, type(exc).__name__, exc)
    return left
