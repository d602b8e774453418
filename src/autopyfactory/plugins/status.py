"""WMS status and batch status plugins: the I/O edge that produces a cycle's views."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Generic, TypeVar

from autopyfactory.config.derived import Derived
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchView
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.context import FactoryContext

View = TypeVar("View", WMSView, BatchView)


@dataclass(frozen=True, slots=True)
class Fetches:
    """What the fetches of a source that fetches in a thread of its own did since it started (its
    ``poll`` answers from the data they kept): how many ended, how many of those failed (the source
    kept its older data), and how long they took in all (seconds)."""

    count: int = 0
    failed: int = 0
    seconds: float = 0.0


class StatusPlugin(Plugin, ABC, Generic[View]):
    """A source of status data, shared by every queue whose configuration maps to the same
    :meth:`instance_key` (one PanDA poller per server, one schedd query per schedd, ...).

    ``poll`` is called at most once per factory cycle; it does I/O, may raise, and returns a view
    stamped with the time its data was taken (older than :meth:`maxage` counts as missing).
    ``mapping``: the ``mappings.conf`` section it reads and its default content (checked at load);
    ``unread_mappings``: other sections its source's 2.4 version shipped that nothing reads (built
    in, so a 2.4 ``mappings.conf`` that sets them is not taken for a typo)."""

    default_maxage: ClassVar[float] = 360.0
    mapping: ClassVar[MappingSpec | None] = None
    unread_mappings: ClassVar[Mapping[str, Mapping[str, str]]] = {}

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        """Queues with equal keys share one instance. Default: one instance per factory."""
        return ()

    @classmethod
    def notes(cls, queue: ConfigSection) -> list[ConfigProblem]:
        """What check-config should tell about ``queue``'s keys beyond their values (a value the
        plugin cannot work with, such as no server to read)."""
        return []

    @classmethod
    def derived(cls, queue: ConfigSection) -> dict[str, Derived]:
        """Keys ``queue`` leaves unset whose value then does not come from their declared default
        (``check-config --defaults`` shows them as derived, with how)."""
        return {}

    @classmethod
    def queue_references(
        cls, queue: ConfigSection, queues: Mapping[str, ConfigSection]
    ) -> list[ConfigProblem]:
        """Problems of what ``queue``'s keys name among the other queues (checked at load)."""
        return []

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        self.ctx = ctx

    def maxage(self) -> float:
        return self.default_maxage

    @abstractmethod
    def poll(self) -> View:
        """This cycle's view of the source (I/O; may raise)."""

    def fetches(self) -> Fetches | None:
        """For a source that fetches in a thread of its own (PanDA): what its fetches did so far,
        read without I/O. None (the default): its :meth:`poll` does the I/O, and is what is timed."""
        return None

    def close(self) -> None:
        """Release resources (threads, connections) when no queue uses this instance any more."""


class WMSStatusPlugin(StatusPlugin[WMSView]):
    """A source of WMS status: work waiting per WMS queue, and site status."""


class BatchStatusPlugin(StatusPlugin[BatchView]):
    """A source of batch status: this factory's pilots per APF queue."""


WMSSTATUS: Category[WMSStatusPlugin] = Category("wmsstatus", WMSStatusPlugin)
BATCHSTATUS: Category[BatchStatusPlugin] = Category("batchstatus", BatchStatusPlugin)
