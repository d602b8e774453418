"""Misbehaving plugins for the fault-injection scenarios, installed for the real factory process
as a distribution of their own (``plugin_dist.install``): the factory finds them through entry
points, as it finds a site's plugins.

- monitor ``Hang``: every call about a queue (``register_pilots``, ``update_label``) and ``close``
  block forever; ``register_factory`` returns at once, so the hang happens inside the cycles.
- wmsstatus ``HangStart`` and monitor ``HangStart``: their constructors block forever (a plugin
  that connects to an unreachable host when it is made).
- monitor ``Stuck``: behaves, but starts a helper thread that is not a daemon thread and never
  ends (it ignores every request to stop), as a plugin with its own worker may: the interpreter
  waits for it at exit.

This file is copied as a top-level module: it imports nothing from the tests."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.pilot import PilotRecord
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.status import WMSStatusPlugin

NEVER = threading.Event()  # nobody sets it


class HangMonitor(MonitorPlugin):
    name = "Hang"

    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None:
        NEVER.wait()

    def update_label(self, queue: ConfigSection, message: str) -> None:
        NEVER.wait()

    def close(self) -> None:
        NEVER.wait()


class StuckMonitor(MonitorPlugin):
    name = "Stuck"

    def __init__(self, ctx: FactoryContext, section: ConfigSection) -> None:
        super().__init__(ctx, section)
        self.worker = threading.Thread(target=NEVER.wait, name=f"stuck-{section.name}", daemon=False)
        self.worker.start()

    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None:
        return None

    def update_label(self, queue: ConfigSection, message: str) -> None:
        return None


class HangStartWMS(WMSStatusPlugin):
    name = "HangStart"

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        NEVER.wait()

    def poll(self) -> WMSView:
        raise AssertionError("never made")


class HangStartMonitor(MonitorPlugin):
    name = "HangStart"

    def __init__(self, ctx: FactoryContext, section: ConfigSection) -> None:
        super().__init__(ctx, section)
        NEVER.wait()

    def register_pilots(self, queue: ConfigSection, pilots: Sequence[PilotRecord]) -> None:
        raise AssertionError("never made")

    def update_label(self, queue: ConfigSection, message: str) -> None:
        raise AssertionError("never made")
