"""Every plugin category shares one contract (``Plugin``: name, keys, factory_keys), and the registry
hands back classes of the category asked for: a class that is not one is refused, with its name."""

from __future__ import annotations

from importlib.metadata import EntryPoint

import pytest

from autopyfactory.auth.handler import AUTH, AuthHandler
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.monitor import MONITOR, MonitorPlugin
from autopyfactory.plugins.queues_config import CONFIG, QueuesConfigPlugin
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS, BatchStatusPlugin, WMSStatusPlugin
from autopyfactory.plugins.submit import BATCHSUBMIT, BatchSubmitPlugin
from autopyfactory.sched.base import SCHED, SchedPlugin

CATEGORIES: list[tuple[Category[Plugin], type[Plugin]]] = [
    (SCHED, SchedPlugin),
    (WMSSTATUS, WMSStatusPlugin),
    (BATCHSTATUS, BatchStatusPlugin),
    (BATCHSUBMIT, BatchSubmitPlugin),
    (MONITOR, MonitorPlugin),
    (AUTH, AuthHandler),
    (CONFIG, QueuesConfigPlugin),
]


@pytest.mark.parametrize(("category", "base"), CATEGORIES, ids=lambda v: getattr(v, "name", ""))
def test_every_shipped_plugin_is_a_plugin_of_its_category(
    category: Category[Plugin], base: type[Plugin]
) -> None:
    assert issubclass(base, Plugin) and category.base is base
    assert category.group == f"autopyfactory.{category.name}"
    plugins = registry.all_loadable(category)
    assert plugins, f"no {category.name} plugin found"
    for name, cls in plugins.items():
        assert issubclass(cls, base), name
        assert isinstance(cls.keys, tuple) and isinstance(cls.factory_keys, tuple)
        assert set(cls.keys) <= set(cls.declared_keys())


class Half(SchedPlugin):
    name = "Half"

    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        return SchedResult(n // 2, "")


def test_a_class_registered_under_the_wrong_category_is_refused() -> None:
    reg = Registry()
    with pytest.raises(TypeError, match="is not a batchsubmit plugin"):
        reg.register(BATCHSUBMIT, "Half", Half)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="is not a batchsubmit plugin"):
        reg.register("batchsubmit", "Half", Half)  # type: ignore[arg-type]
    reg.register("sched", "Half", Half)  # by the category's name
    assert reg.get(SCHED, "Half") is Half
    with pytest.raises(ValueError, match="no plugin category 'schedd'"):
        reg.register("schedd", "Half", Half)


def test_an_entry_point_that_is_not_a_plugin_of_its_category_is_not_found_and_says_why(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    reg = Registry()
    bogus = EntryPoint("Bogus", "autopyfactory.sched.base:message", "autopyfactory.sched")
    monkeypatch.setattr(reg, "_entry_points", lambda category: {"Bogus": bogus})
    with pytest.raises(PluginNotFound) as exc:
        reg.get(SCHED, "Bogus")
    assert (
        "sched plugin 'Bogus' cannot be loaded: autopyfactory.sched.base:message is not a sched plugin"
        in str(exc.value)
    )


def test_a_category_is_needed_to_get_a_plugin() -> None:
    with pytest.raises(TypeError, match="a plugin category is needed"):
        registry.get("sched", "Ready")  # type: ignore[arg-type]
