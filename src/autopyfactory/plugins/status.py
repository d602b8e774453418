"""WMS status and batch status plugins: the I/O edge that produces a cycle's views."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable
from typing import ClassVar

from autopyfactory.config.keys import Key
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchView
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.context import FactoryContext


class StatusPlugin(ABC):
    """A source of status data, shared by every queue whose configuration maps to the same
    :meth:`instance_key` (one PanDA poller per server, one schedd query per schedd, ...).

    ``poll`` is called at most once per factory cycle; it does I/O, may raise, and returns a view
    stamped with the time its data was taken (older than :meth:`maxage` counts as missing)."""

    name: ClassVar[str]
    keys: ClassVar[tuple[Key[object], ...]] = ()
    factory_keys: ClassVar[tuple[Key[object], ...]] = ()
    default_maxage: ClassVar[float] = 360.0
    mapping: ClassVar[MappingSpec | None] = None  # the mappings.conf section it reads, checked at load

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        """Queues with equal keys share one instance. Default: one instance per factory."""
        return ()

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        self.ctx = ctx

    def maxage(self) -> float:
        return self.default_maxage

    def close(self) -> None:
        """Release resources (threads, connections) when no queue uses this instance any more."""


class WMSStatusPlugin(StatusPlugin):
    """A source of WMS status: work waiting per WMS queue, and site status."""

    @abstractmethod
    def poll(self) -> WMSView: ...


class BatchStatusPlugin(StatusPlugin):
    """A source of batch status: this factory's pilots per APF queue."""

    @abstractmethod
    def poll(self) -> BatchView: ...
