"""A read-only view of the local batch system, for status commands and other reporting tools.

It opens the registry read-only (see :class:`~autopyfactory.batch.local.store.RegistryReader`), so
it cannot start a pilot, change a record or settle a launch a running factory is in the middle of.
Records the factory has not brought up to date yet are reported as the evidence has them now (a
pilot whose process group has ended counts as done), without writing that down."""

from __future__ import annotations

from pathlib import Path

from autopyfactory.batch.local.evidence import observed_state
from autopyfactory.batch.local.layout import StateLayout
from autopyfactory.batch.local.procs import ProcessTable, boot_id
from autopyfactory.batch.local.store import LocalPilot, RegistryReader


class ReadOnlyRegistry(RuntimeError):
    """A reporting tool asked the local batch system to change something."""


class LocalBatchView:
    """A read-only view of a Local registry, for reporting tools (changes nothing, starts nothing)."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self.layout = StateLayout(state_dir)

    def _reader(self) -> RegistryReader | None:
        return RegistryReader.open_read_only(self.layout.registry)

    def active(self, queue: str | None = None) -> list[LocalPilot]:
        reader = self._reader()
        if reader is None:
            return []
        try:
            return reader.active(queue)
        finally:
            reader.close()

    def lives(self, since: float) -> list[tuple[str, float, float | None, float | None]]:
        """The pilots' lives as the registry records them (``RegistryReader.lives``)."""
        reader = self._reader()
        if reader is None:
            return []
        try:
            return reader.lives(since)
        finally:
            reader.close()

    def observed(
        self, done_since: float, finished_since: float
    ) -> tuple[dict[str, dict[str, int]], list[tuple[str, float, float]]]:
        """({queue: {state: n}} of active pilots and those ended after ``done_since``, finished
        pilots (queue, started, wallclock) ended after ``finished_since``) as of now."""
        reader = self._reader()
        if reader is None:
            return {}, []
        try:
            counts = reader.counts(done_since)
            finished = reader.finished_since(finished_since)
            active = reader.active()
        finally:
            reader.close()
        if not active:
            return counts, finished
        table, boot = ProcessTable.snapshot(), boot_id()
        for p in active:
            recorded = "pending" if p.state == "starting" else p.state
            now = observed_state(p, self.layout, table, boot)
            if now != recorded:
                q = counts.setdefault(p.queue, {})
                q[recorded] = q.get(recorded, 0) - 1
                q[now] = q.get(now, 0) + 1
        return counts, finished

    def refuse(self, what: str) -> None:
        raise ReadOnlyRegistry(f"local batch opened read-only: cannot {what}")
