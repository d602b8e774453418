"""Logging a background refresh that keeps failing without a line at every refresh.

A refresh runs every few seconds to minutes; a server that stays down would otherwise log an error
(and its retries' warnings) every time, for hours, drowning the lines that matter. The first
failure, and a failure for another reason, is an ERROR; the same failure again is DEBUG, with a
WARNING reminder every ``remind`` seconds saying for how long and how often it has failed; the
first success after failures is an INFO line saying the same."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

REMIND = 600.0  # seconds between two reminders that a refresh still fails


class FailureLog:
    """The log lines of one refresh (``what``: "PanDA poller <url>: job statistics")."""

    def __init__(
        self,
        log: logging.Logger,
        what: str,
        remind: float = REMIND,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.log, self.what, self.remind, self.clock = log, what, remind, clock
        self.failures = 0
        self.since = 0.0
        self.reason = ""
        self._reminded = 0.0

    @property
    def failing(self) -> bool:
        return self.failures > 0

    def failed(self, reason: str) -> None:
        now = self.clock()
        if not self.failures or reason != self.reason:
            if not self.failures:
                self.since = now
            self.log.error("%s refresh failed, keeping older data: %s", self.what, reason)
            self._reminded = now
        elif now - self._reminded >= self.remind:
            self.log.warning(
                "%s refresh still failing (%d times over %.0fs), keeping older data: %s",
                self.what, self.failures + 1, now - self.since, reason,
            )  # fmt: skip
            self._reminded = now
        else:
            self.log.debug("%s refresh failed again: %s", self.what, reason)
        self.failures += 1
        self.reason = reason

    def succeeded(self) -> None:
        if self.failures:
            self.log.info(
                "%s refresh works again after %d failed refresh(es) over %.0fs",
                self.what, self.failures, self.clock() - self.since,
            )  # fmt: skip
        self.failures, self.reason = 0, ""
