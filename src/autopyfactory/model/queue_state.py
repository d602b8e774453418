"""What a configured queue is doing: the kinds of :class:`autopyfactory.engine.queue_states.QueueState`.

Plain data, here so that the monitor plugins (which see the model, not the engine) can be told."""

from __future__ import annotations

from enum import Enum


class QueueStateKind(Enum):
    """What a configured queue is doing."""

    RUNNING = "running"
    KEPT_LAST_GOOD = "kept-last-good"  # stale-config: running its previous configuration
    DISABLED = "disabled-by-config"
    NOT_STARTED = "not-started"

    @property
    def runs(self) -> bool:
        """Queues of this kind take part in cycles."""
        return self in (QueueStateKind.RUNNING, QueueStateKind.KEPT_LAST_GOOD)
