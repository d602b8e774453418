"""Waiting for work under way, bounded by a time, a stop or a second stop signal."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Future
from concurrent.futures import wait as wait_futures
from typing import Any

from autopyfactory.engine.clock import Clock
from autopyfactory.engine.control import Control

SLICE = 0.2  # seconds between looks at the stop flags


def wait_done(futures: Iterable[Future[Any]], until: float | None, control: Control, clock: Clock) -> bool:
    """Wait for ``futures`` until ``until`` (``clock.time()``; None: no limit), a stop (only when
    there is no limit) or a second stop signal; True when all are done."""
    left = [f for f in futures if not f.done()]
    while left:
        if control.hurry.is_set() or (control.stop.is_set() and until is None):
            return False
        wait = SLICE if until is None else min(SLICE, until - clock.time())
        if wait <= 0:
            return False
        wait_futures(left, timeout=wait)
        left = [f for f in left if not f.done()]
    return True
