"""What each configured queue is doing after the factory's start or last reload, and why.

A queue is ``running``; or ``kept-last-good`` (``stale-config``): it was running, its new
configuration has errors, so it goes on with the configuration it had (until a reload brings a
usable one); or ``disabled-by-config`` (``enabled = False``, ``[Factory] enablequeues = False``);
or ``not-started`` (its configuration has errors, or its plugins failed to start). Tools read
:attr:`autopyfactory.engine.factory.Factory.queue_states`: the monitor plugin, a metrics endpoint,
check-config style reports."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from autopyfactory.config.problems import ConfigProblem
from autopyfactory.model.queue_state import QueueStateKind

REMIND_EVERY = 10  # a queue on its last good configuration says so again every this many of its cycles


@dataclass(frozen=True)
class QueueState:
    """One configured queue's state: ``since`` is the factory clock's time it entered it (for a
    running queue: when its present configuration was applied); ``reason`` says why in one line;
    ``problems`` are the errors of the configuration it does not run (kept-last-good, not-started)."""

    name: str
    state: QueueStateKind
    since: float
    reason: str = ""
    problems: tuple[ConfigProblem, ...] = ()

    @property
    def runs(self) -> bool:
        """It takes part in cycles (running, or on its last good configuration)."""
        return self.state in (QueueStateKind.RUNNING, QueueStateKind.KEPT_LAST_GOOD)

    @property
    def stale_config(self) -> bool:
        """It runs a configuration older than the files: the new one has errors."""
        return self.state is QueueStateKind.KEPT_LAST_GOOD

    def stale_line(self, now: float) -> str:
        """The warning of a queue on its last good configuration: its errors (file, section, key,
        value, what is expected) and what to do."""
        return (
            f"queue={self.name} stale-config: keeps running its last good configuration "
            f"(for {now - self.since:.0f}s): {self.reason}. Fix the file and reload (SIGHUP); "
            "check-config shows every problem"
        )

    def as_dict(self) -> dict[str, object]:
        """Plain data (JSON) for reports."""
        return {
            "name": self.name,
            "state": self.state.value,
            "since": self.since,
            "reason": self.reason,
            "problems": [p.as_dict() for p in self.problems],
        }


@dataclass
class QueueStates:
    """The state of every configured queue, and when a queue on its last good configuration is due
    to say so again (every ``remind_every`` of its cycles). Safe to read from any thread."""

    remind_every: int = REMIND_EVERY
    _states: dict[str, QueueState] = field(default_factory=dict)
    _cycles: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def mark(
        self,
        name: str,
        state: QueueStateKind,
        now: float,
        reason: str = "",
        problems: Sequence[ConfigProblem] = (),
        restarted: bool = False,
    ) -> QueueState:
        """Record ``name``'s state. ``since`` stays when the queue already was in that state (a queue
        kept on its last good configuration over several reloads keeps the time it first was),
        unless ``restarted`` (a running queue started anew with a new configuration)."""
        with self._lock:
            old = self._states.get(name)
            since = old.since if old is not None and old.state is state and not restarted else now
            if old is None or old.state is not state:
                self._cycles.pop(name, None)
            new = QueueState(name, state, since, reason, tuple(problems))
            self._states[name] = new
        return new

    def get(self, name: str) -> QueueState | None:
        with self._lock:
            return self._states.get(name)

    def retain(self, names: Iterable[str]) -> None:
        """Forget the queues not in ``names`` (no longer configured, no longer running)."""
        keep = set(names)
        with self._lock:
            for name in [n for n in self._states if n not in keep]:
                del self._states[name]
                self._cycles.pop(name, None)

    def snapshot(self) -> Mapping[str, QueueState]:
        """Every state, by queue name (a copy)."""
        with self._lock:
            return dict(sorted(self._states.items()))

    def of(self, *kinds: QueueStateKind) -> list[QueueState]:
        """The states of those kinds, by queue name."""
        return [s for s in self.snapshot().values() if s.state in kinds]

    def cycled(self, names: Iterable[str]) -> list[QueueState]:
        """Count a cycle of each queue in ``names``; the queues on their last good configuration
        due to say so again (their ``remind_every``-th cycle since the last time)."""
        due: list[QueueState] = []
        with self._lock:
            for name in names:
                s = self._states.get(name)
                if s is None or not s.stale_config:
                    continue
                n = self._cycles.get(name, 0) + 1
                self._cycles[name] = n
                if n % self.remind_every == 0:
                    due.append(s)
        return due


__all__ = ["REMIND_EVERY", "QueueState", "QueueStateKind", "QueueStates"]
