"""[Factory] keys of the local batch backend."""

from __future__ import annotations

import os

from autopyfactory.config.keys import NONNEG_FLOAT, NONNEG_INT, Key
from autopyfactory.config.section import ConfigSection

SLOTS = Key(
    "batch.local.slots",
    NONNEG_INT,
    None,
    "pilots that may run at once on this host (0: no limit; default 4 per CPU)",
)
KILL_GRACE = Key(
    "batch.local.killgrace", NONNEG_FLOAT, 30.0, "seconds between SIGTERM and SIGKILL when removing a pilot"
)
DONE_WINDOW = Key(
    "batch.local.donewindow", NONNEG_FLOAT, 3600.0, "pilots that ended within this many seconds count as done"
)


def slots_of(factory: ConfigSection) -> int:
    v = factory.get(SLOTS)
    return 4 * (os.cpu_count() or 1) if v is None else v
