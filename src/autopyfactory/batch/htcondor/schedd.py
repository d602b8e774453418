"""Connections to schedds: one handle (cached ``htcondor2.Schedd`` plus a lock) per location.

The narrow seam for tests is :func:`set_connector`: everything above it (submit descriptions, query
constraints, counting, retirement) is the production code; only the object answering ``submit``,
``query``, ``history`` and ``act`` is replaced."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from autopyfactory.batch.htcondor.location import ScheddLocation

log = logging.getLogger(__name__)

Result = TypeVar("Result")


class SubmitResultLike(Protocol):
    """The part of ``htcondor2.SubmitResult`` the factory reads."""

    def cluster(self) -> int: ...
    def first_proc(self) -> int: ...
    def num_procs(self) -> int: ...


class ScheddLike(Protocol):
    """The subset of ``htcondor2.Schedd`` the factory uses."""

    def submit(self, description: Any, count: int = 0) -> SubmitResultLike: ...

    def query(self, constraint: str = "True", projection: Sequence[str] = ()) -> list[Any]: ...

    def history(
        self, constraint: str | None, projection: Sequence[str], match: int = -1, since: Any = None
    ) -> list[Any]: ...

    def act(self, action: Any, job_spec: Any, reason: str | None = None) -> Any: ...


Connector = Callable[[ScheddLocation], ScheddLike]


def connect_bindings(location: ScheddLocation) -> ScheddLike:
    """A real ``htcondor2.Schedd`` for ``location`` (the collector lookup happens here)."""
    import htcondor2

    location.security.apply()
    schedd: ScheddLike
    if location.is_local:
        schedd = htcondor2.Schedd()
    else:
        collector = htcondor2.Collector(location.collector)
        schedd = htcondor2.Schedd(collector.locate(htcondor2.DaemonType.Schedd, location.name))
    return schedd


class ScheddHandle:
    """One schedd: connected lazily, used under one lock (queries, submissions and removals to a
    schedd are serialised, as in 2.4), reconnected after a failure."""

    def __init__(self, location: ScheddLocation, connector: Connector) -> None:
        self.location = location
        self.lock = threading.RLock()
        self._connector = connector
        self._schedd: ScheddLike | None = None

    def call(self, what: str, fn: Callable[[ScheddLike], Result]) -> Result:
        with self.lock:
            try:
                if self._schedd is None:
                    self._schedd = self._connector(self.location)
                return fn(self._schedd)
            except Exception as exc:
                self._schedd = None
                raise ScheddError(f"{what} on {self.location} failed: {type(exc).__name__}: {exc}") from exc


class ScheddError(RuntimeError):
    """A schedd call failed (the message names the schedd and the operation)."""


_lock = threading.Lock()
_connector: Connector = connect_bindings
_handles: dict[ScheddLocation, ScheddHandle] = {}


def handle(location: ScheddLocation) -> ScheddHandle:
    """The shared handle of ``location``."""
    with _lock:
        h = _handles.get(location)
        if h is None:
            h = _handles[location] = ScheddHandle(location, _connector)
        return h


def set_connector(connector: Connector | None) -> Connector:
    """Replace how schedds are reached (tests); None restores the bindings. Returns the previous one.
    Existing handles are dropped."""
    global _connector
    with _lock:
        previous = _connector
        _connector = connector or connect_bindings
        _handles.clear()
        return previous
