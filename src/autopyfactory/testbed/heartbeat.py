"""What PanDA does with jobs whose pilot went silent, and when.

PanDA's watcher fails a ``sent`` job whose pilot did not confirm it within 30 minutes ("Sent job
didn't receive reply from pilot within 30 min") and a starting/running job without a heartbeat for
the queue's workflow timeout (2 hours unless configured: "lost heartbeat : <last heartbeat>"). The
job's task then retries it as a new job (a new PandaID, the next attempt number) while it has
attempts left. The testbed does the same with configurable timeouts, so tests can use seconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]

SENT_TIMEOUT = 30 * 60.0
HEARTBEAT_TIMEOUT = 2 * 3600.0
MAX_ATTEMPTS = 3


@dataclass(frozen=True, slots=True)
class HeartbeatPolicy:
    """``sent_timeout``: seconds a handed-out job waits for its pilot's first update;
    ``heartbeat_timeout``: seconds a started job may go without an update; ``max_attempts``: a
    failed job is retried as a new job while its attempt number is below this (1: never)."""

    sent_timeout: float = SENT_TIMEOUT
    heartbeat_timeout: float = HEARTBEAT_TIMEOUT
    max_attempts: int = MAX_ATTEMPTS

    def __post_init__(self) -> None:
        if self.sent_timeout <= 0 or self.heartbeat_timeout <= 0:
            raise ValueError("heartbeat timeouts must be positive")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")


@dataclass(frozen=True, slots=True)
class LostJob:
    """A job failed for lack of heartbeats, and its retry (None when out of attempts)."""

    panda_id: int
    was: str
    diag: str
    retry: int | None


def sent_diag(timeout: float) -> str:
    return f"Sent job didn't receive reply from pilot within {timeout / 60:g} min"


def lost_diag(last: float) -> str:
    return "lost heartbeat : " + time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(last))
