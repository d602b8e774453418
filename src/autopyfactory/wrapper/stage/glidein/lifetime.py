"""When a glidein should end: at GLIDEIN_Max_Walltime after its start, or after GLIDEIN_Max_Idle
seconds without running anything. HTCondor enforces the same through the configuration; the
wrapper checks too, so a glidein ends even when the daemons do not."""

from __future__ import annotations

import os
from dataclasses import dataclass

IDLE = "idle"
WALLTIME = "walltime"


@dataclass
class Lifetime:
    """When a glidein stops: idle time and walltime limits."""

    started: float
    max_idle: float | None
    max_walltime: float | None

    def __post_init__(self) -> None:
        self.last_busy = self.started

    def observe(self, now: float, busy: bool) -> str | None:
        """Record whether the glidein is busy at ``now``; the reason to shut down, or None."""
        if busy:
            self.last_busy = now
        if self.max_walltime is not None and now - self.started >= self.max_walltime:
            return WALLTIME
        if self.max_idle is not None and not busy and now - self.last_busy >= self.max_idle:
            return IDLE
        return None


@dataclass
class ExecuteDirProbe:
    """Busy when the startd's execute directory holds anything (a starter's ``dir_<pid>``)."""

    path: str

    def busy(self) -> bool:
        try:
            return any(True for _ in os.scandir(self.path))
        except OSError:
            return False
