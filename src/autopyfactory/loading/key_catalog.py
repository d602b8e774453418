"""Every configuration key the factory and its plugins declare, grouped by where it is written
(``[Factory]`` of autopyfactory.conf, a queue section, a monitor.conf section, an auth.conf
profile) and by the plugin that reads it. ``autopyfactory config-keys`` prints it and the
documentation's configuration reference is generated from it, so neither can drift from the code:
it reads the same declarations check-config validates against (``queue_validation.KnownKeys``)."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, TypeVar

from autopyfactory.config.factory import FACTORY_KEYS
from autopyfactory.config.keys import STR, Key
from autopyfactory.config.queue import QUEUE_KEYS
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.monitor import MONITOR
from autopyfactory.plugins.queues_config import CONFIG
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS
from autopyfactory.plugins.submit import BATCHSUBMIT
from autopyfactory.sched.base import SCHED

PluginT = TypeVar("PluginT", bound=Plugin)

SECTIONS = ("factory", "queue", "monitor", "auth")
SECTION_TITLES = {
    "factory": "[Factory] of autopyfactory.conf",
    "queue": "queue sections of queues.conf and queues.d/*.conf",
    "monitor": "monitor.conf sections",
    "auth": "auth.conf profiles",
}
# the keys of every monitor.conf section, whatever its plugin (as check-config knows them)
MONITOR_COMMON = (
    Key("monitorplugin", STR, "Dummy", "the monitor plugin of this section (APF, Dummy)"),
    Key("monitorURL", STR, "", "the monitor's URL (APFMon v2: .../api)"),
)
QUEUE_CATEGORIES: tuple[Category[Any], ...] = (SCHED, WMSSTATUS, BATCHSTATUS, BATCHSUBMIT)


@dataclass(frozen=True)
class KeyGroup:
    """The keys one plugin (or the factory itself) declares for one kind of section."""

    section: str  # factory, queue, monitor or auth
    category: str  # "" for the factory's and every queue's own keys; else the plugin category
    plugins: tuple[str, ...]  # the plugin's names (aliases included); () for the own keys
    summary: str
    extra: str  # the optional extra the plugin needs ("" for the core)
    keys: tuple[Key[object], ...]

    @property
    def title(self) -> str:
        if not self.plugins:
            return {"factory": "the factory", "queue": "every queue", "monitor": "every monitor section",
                    "auth": "every profile"}[self.section]  # fmt: skip
        return f"{self.category} plugin {' / '.join(self.plugins)}"


def summary(cls: Any) -> str:
    """The first paragraph of a class's docstring, on one line."""
    doc = inspect.getdoc(cls) or ""
    return " ".join(doc.split("\n\n")[0].split())


def _plugins(reg: Registry, category: Category[PluginT]) -> list[tuple[tuple[str, ...], type[PluginT], str]]:
    """(names, class, extra) of every plugin of ``category``; aliases of one class together."""
    by_class: dict[type[PluginT], list[str]] = {}
    for name, cls in reg.all_loadable(category).items():
        by_class.setdefault(cls, []).append(name)
    out = []
    for cls, names in by_class.items():
        out.append((tuple(sorted(names)), cls, _extra(category, names[0])))
    return sorted(out, key=lambda t: t[0])


def _extra(category: Category[Any], name: str) -> str:
    """The extra an entry point names (``CondorCE = ...:CondorCE [htcondor]``), or ""."""
    for ep in entry_points(group=category.group, name=name):
        return ", ".join(ep.extras)
    return ""


def catalog(reg: Registry) -> list[KeyGroup]:
    """Every declared key, in the order of the reference: the factory, every queue, the queue
    plugins (sched, wmsstatus, batchstatus, batchsubmit), the queue config plugins, monitors, auth."""
    from autopyfactory.auth.handler import AUTH, COMMON_KEYS

    groups = [
        KeyGroup("factory", "", (), "autopyfactory.conf, section [Factory]", "", FACTORY_KEYS),
        KeyGroup("queue", "", (), "keys of every queue, whatever its plugins", "", QUEUE_KEYS),
    ]
    for category in QUEUE_CATEGORIES:
        for names, cls, extra in _plugins(reg, category):
            groups.append(KeyGroup("queue", category.name, names, summary(cls), extra, cls.declared_keys()))
            if cls.factory_keys:
                groups.append(
                    KeyGroup("factory", category.name, names, summary(cls), extra, cls.factory_keys)
                )
    for names, config, extra in _plugins(reg, CONFIG):
        groups.append(KeyGroup("factory", CONFIG.name, names, summary(config), extra, config.factory_keys))
    groups.append(KeyGroup("monitor", "", (), "keys of every monitor.conf section", "", MONITOR_COMMON))
    for names, monitor, extra in _plugins(reg, MONITOR):
        groups.append(
            KeyGroup("monitor", MONITOR.name, names, summary(monitor), extra, monitor.declared_keys())
        )
    groups.append(KeyGroup("auth", "", (), "keys of every auth.conf profile", "", COMMON_KEYS))
    for names, handler, extra in _plugins(reg, AUTH):
        groups.append(KeyGroup("auth", AUTH.name, names, summary(handler), extra, handler.declared_keys()))
    return groups


def pattern(key: Key[object]) -> str:
    """The key as an operator writes it: ``name`` or, for a family, ``name<key>``."""
    return f"{key.name}<key>" if key.prefix else key.name


def default_text(value: Any) -> str:
    """A default as it would be written in the file ("" when there is none)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    return str(value)


def type_text(key: Key[object]) -> str:
    return str(key.type.expected)


def rows(groups: Sequence[KeyGroup], section: str | None = None) -> list[dict[str, str]]:
    """One row per key (machine-readable, ``config-keys --json``)."""
    out = []
    for g in groups:
        if section and g.section != section:
            continue
        for k in g.keys:
            out.append(
                {
                    "section": g.section,
                    "category": g.category,
                    "plugin": g.plugins[0] if g.plugins else "",
                    "extra": g.extra,
                    "key": pattern(k),
                    "type": k.type.name,
                    "expected": type_text(k),
                    "default": default_text(k.default),
                    "required": "yes" if k.required else "",
                    "doc": k.doc,
                }
            )
    return out
