"""A server process's startup heap, kept out of the garbage collector's full collections.

After startup a worker holds about 120,000 long-lived objects (FastAPI, pydantic, SQLAlchemy,
psycopg, the templates). CPython's full (generation 2) collection walks every one of them: about
100 ms of CPU during which the event loop answers nothing, and at a few thousand state updates per
second one comes every few seconds in each worker. ``gc.freeze()`` moves the objects alive after
startup to a permanent generation that collections skip (reference counting still frees them), so
a full collection walks only what was made since: a few milliseconds.

Only for a process the server owns (``monitor serve``): tests that build many apps in one process
leave their heap alone (frozen objects that later form garbage cycles are never collected)."""

from __future__ import annotations

import gc
import logging

log = logging.getLogger(__name__)


def freeze_startup_heap() -> int:
    """Collect what startup left behind, then freeze the rest; the number of objects frozen."""
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    log.debug("monitor: %d startup objects frozen out of garbage collection", frozen)
    return frozen
