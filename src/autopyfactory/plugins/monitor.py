"""Monitor plugins: told about the factory, every pilot created and every decision."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Hashable, Sequence

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.context import FactoryContext


class MonitorPlugin(Plugin, ABC):
    """One instance per ``monitor.conf`` section (``keys`` are that section's keys). Calls must not
    block a cycle for long and must not raise for remote failures (the engine also guards every
    call)."""

    @classmethod
    def instance_key(cls, section: ConfigSection) -> Hashable:
        return section.name

    def __init__(self, ctx: FactoryContext, section: ConfigSection) -> None:
        self.ctx = ctx
        self.section = section

    def register_factory(self) -> None:
        """Once at start (and after a reload)."""

    @abstractmethod
    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None: ...

    @abstractmethod
    def update_label(self, queue: ConfigSection, message: str) -> None: ...

    def close(self) -> None: ...


MONITOR: Category[MonitorPlugin] = Category("monitor", MonitorPlugin)
