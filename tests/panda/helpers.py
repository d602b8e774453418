"""Building a Panda plugin instance without a whole factory."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.loader import builtin_mappings
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.wms.panda.plugin import PandaWMSStatus

FAST = {
    "wmsstatus.panda.sleep": "0.2",
    "wmsstatus.panda.timeout": "5",
    "wmsstatus.panda.retries": "0",
    "wmsstatus.panda.backoff": "0.05",
}


def context(tmp_path: Path, **factory: str) -> FactoryContext:
    values = {"factoryId": "test", "baseLogDir": str(tmp_path / "logs"), **FAST, **factory}
    sec = ConfigSection.from_dict("Factory", values)
    return FactoryContext(sec, FactorySettings.from_section(sec, tmp_path), builtin_mappings())


def queue(name: str = "Q", **keys: str) -> ConfigSection:
    return ConfigSection.from_dict(name, {"wmsqueue": name, **keys})


def plugin(tmp_path: Path, url: str, factory: dict[str, str] | None = None, **qkeys: str) -> PandaWMSStatus:
    return PandaWMSStatus(
        context(tmp_path, **(factory or {})), queue(**{"wmsstatus.panda.url": url, **qkeys})
    )


def wait_for(cond: Callable[[], bool], timeout: float = 15.0) -> None:
    """Wait until ``cond()`` holds (fails the test if it never does)."""
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.02)


def refreshed_after(p: PandaWMSStatus, count: int) -> Callable[[], bool]:
    return lambda: p.poller.latest().refreshes > count
