"""Withdrawing pilots that have not started, so that a pilot that starts meanwhile is never cancelled.

A state read before a cancel is stale by the time the cancel arrives, and ``scancel --state=PENDING``
filters on such a read in the client (and, given an array task, cancels every pending task of its
array). So the pilots are first held (``scontrol hold``, or ``hold`` through slurmrestd): slurmctld
starts no held job, and it holds a job under the same lock as it starts one. Then the jobs are read
again: those still pending *and* held can no longer start, and only they are cancelled. Any other
(it started before the hold reached slurmctld, or the hold did not take) is released again and left
alone."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

log = logging.getLogger(__name__)


class Holding(Protocol):
    """What withdrawing needs of a cluster interface."""

    def hold(self, pilot_ids: Sequence[str]) -> None:
        """Ask slurmctld to hold them (failures for some ids are not errors: the read decides)."""
        ...

    def held_pending(self, pilot_ids: Sequence[str]) -> set[str]:
        """Those of ``pilot_ids`` that are pending and held now."""
        ...

    def release(self, pilot_ids: Sequence[str]) -> None:
        """Undo ``hold`` (failures are not errors)."""
        ...

    def cancel(self, pilot_ids: Sequence[str]) -> None: ...


def withdraw_pending(cluster: Holding, pilot_ids: Sequence[str]) -> list[str]:
    """Cancel those of ``pilot_ids`` that have not started (module docstring); the ids cancelled."""
    ids = list(dict.fromkeys(pilot_ids))
    if not ids:
        return []
    safe: set[str] = set()
    try:
        cluster.hold(ids)
        safe = cluster.held_pending(ids)
    finally:
        others = [i for i in ids if i not in safe]
        if others:
            cluster.release(others)
    gone = [i for i in ids if i in safe]
    if gone:
        cluster.cancel(gone)
    if others:
        log.info("not withdrawn (started or gone meanwhile): %s", ",".join(others))
    return gone
