"""Every effective key of ``[Factory]`` and of each queue: its value, its declared default, and
where the value came from (``check-config --defaults``).

A key's value comes from a file (its section, or that file's ``[DEFAULT]``), from the key's
declared default, or is derived from something else: another key (``batchstatusplugin`` follows
``batchsubmitplugin``), the section's name (``wmsqueue``), the environment, the host. The keys
listed for a queue are those of every queue and those its plugins declare (its WMS status, batch
status and submit plugins and every sched plugin of its chain); for ``[Factory]``, the factory's own
and those the plugins in use declare."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from autopyfactory.config.derived import Derived
from autopyfactory.config.factory import (
    BASE_LOG_DIR,
    BASE_LOG_URL,
    CLEANLOGS_KEEPDAYS,
    FACTORY_ID,
    FACTORY_KEYS,
    FACTORY_USER,
    QUEUES_PLUGIN,
    STATE_DIR,
    FactorySettings,
)
from autopyfactory.config.keys import Key
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import (
    BATCHSTATUS_PLUGIN,
    BATCHSUBMIT_PLUGIN,
    EXECUTABLE,
    KEEPDAYS,
    QUEUE_KEYS,
    SCHEDPLUGIN,
    WMSQUEUE,
    WMSSTATUS_PLUGIN,
)
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.batchstatus import batchstatus_plugin_name
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.queues_config import CONFIG
from autopyfactory.plugins.registry import PluginNotFound, Registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS, StatusPlugin
from autopyfactory.plugins.submit import BATCHSUBMIT, BatchSubmitPlugin
from autopyfactory.sched.base import SCHED


class Source(Enum):
    """Where an effective value came from."""

    FILE = "file"
    DEFAULT = "default"
    DERIVED = "derived"


@dataclass(frozen=True, slots=True)
class EffectiveKey:
    """One key as it is in effect. ``value`` and ``default`` are text (None: unset, no default);
    ``where``: the file and section for FILE, how for DERIVED; ``reader``: who declares the key
    (``""`` the factory or every queue, else ``<category> plugin <name>``)."""

    key: str
    value: str | None
    default: str | None
    source: Source
    where: str
    reader: str

    def as_dict(self) -> dict[str, str | None]:
        return {
            "key": self.key,
            "value": self.value,
            "default": self.default,
            "source": self.source.value,
            "where": self.where,
            "reader": self.reader,
        }


def as_text(value: object) -> str | None:
    """A declared default as an operator would write it."""
    if value is None:
        return None
    if isinstance(value, tuple | list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_section(s: ConfigSection, key: Key[object], reader: str) -> EffectiveKey | None:
    v = s.value(key.name)
    if v is None:
        return None
    where = f"{v.origin} [{'DEFAULT' if v.from_default else s.name}]"
    return EffectiveKey(key.name, v.raw, as_text(key.default), Source.FILE, where, reader)


def _effective(
    s: ConfigSection, keys: Iterable[tuple[Key[object], str]], derived: Mapping[str, Derived]
) -> list[EffectiveKey]:
    out: dict[str, EffectiveKey] = {}
    for key, reader in keys:
        if key.prefix or key.name in out:
            continue  # a family of keys (listed when set, below) or declared twice
        found = _from_section(s, key, reader)
        if found is None and key.name in derived:
            d = derived[key.name]
            found = EffectiveKey(key.name, d.value, as_text(key.default), Source.DERIVED, d.how, reader)
        if found is None:
            text = as_text(key.default)
            found = EffectiveKey(key.name, text, text, Source.DEFAULT, "", reader)
        out[key.name] = found
    for name in s:  # set, but neither declared above nor a single key (families, unknown keys)
        if name not in out:
            v = s.value(name)
            assert v is not None
            where = f"{v.origin} [{'DEFAULT' if v.from_default else s.name}]"
            out[name] = EffectiveKey(name, v.raw, None, Source.FILE, where, "")
    return sorted(out.values(), key=lambda e: e.key)


def _plugin(reg: Registry, category: Category[Any], name: str | None) -> type[Plugin] | None:
    if not name:
        return None
    try:
        cls: type[Plugin] = reg.get(category, name, usable=False)
        return cls
    except PluginNotFound:
        return None


def queue_plugins(s: ConfigSection, reg: Registry) -> list[tuple[Category[Any], type[Plugin]]]:
    """The plugins queue ``s`` names that exist (WMS status, batch status, submit, its sched chain)."""
    found: list[tuple[Category[Any], type[Plugin]]] = []
    names: list[tuple[Category[Any], str | None]] = []
    try:
        names.append((WMSSTATUS, s.get(WMSSTATUS_PLUGIN)))
    except ConfigError:
        pass  # a bad value: reported as a problem; its plugin's keys are not listed
    try:
        names.append((BATCHSTATUS, batchstatus_plugin_name(s, reg)))
    except ConfigError:
        pass
    try:
        names.append((BATCHSUBMIT, s.get(BATCHSUBMIT_PLUGIN)))
    except ConfigError:
        pass
    try:
        names.extend((SCHED, n) for n in s.get(SCHEDPLUGIN))
    except ConfigError:
        pass
    for category, name in names:
        cls = _plugin(reg, category, name)
        if cls is not None:
            found.append((category, cls))
    return found


def _queue_derived(s: ConfigSection, factory: ConfigSection, reg: Registry) -> dict[str, Derived]:
    out: dict[str, Derived] = {WMSQUEUE.name: Derived(s.name, "the section name (wmsqueue is not set)")}
    try:
        status = batchstatus_plugin_name(s, reg)
        if status:
            out[BATCHSTATUS_PLUGIN.name] = Derived(
                status, f"the status plugin of batchsubmitplugin = {s.get(BATCHSUBMIT_PLUGIN)}"
            )
    except ConfigError:
        pass
    out[EXECUTABLE.name] = Derived("(the bundled wrapper)", "the wrapper.* keys build its arguments")
    keepdays = factory.raw(KEEPDAYS.name)
    out[KEEPDAYS.name] = Derived(
        keepdays if keepdays is not None else as_text(CLEANLOGS_KEEPDAYS.default) or "",
        "[Factory] cleanlogs.keepdays",
    )
    return out


def queue_effective(s: ConfigSection, factory: ConfigSection, reg: Registry) -> list[EffectiveKey]:
    """Every effective key of queue ``s``."""
    keys: list[tuple[Key[object], str]] = [(k, "") for k in QUEUE_KEYS]
    derived = _queue_derived(s, factory, reg)
    for category, cls in queue_plugins(s, reg):
        reader = f"{category.name} plugin {cls.name}"
        keys.extend((k, reader) for k in cls.declared_keys())
        if issubclass(cls, StatusPlugin | BatchSubmitPlugin):  # the plugins that derive values
            derived.update(cls.derived(s))
    return _effective(s, keys, derived)


def factory_effective(
    factory: ConfigSection,
    settings: FactorySettings | None,
    queues: Iterable[ConfigSection],
    reg: Registry,
) -> list[EffectiveKey]:
    """Every effective key of ``[Factory]``: the factory's own, and those of the plugins in use."""
    keys: list[tuple[Key[object], str]] = [(k, "") for k in FACTORY_KEYS]
    seen: set[tuple[str, str]] = set()
    for q in queues:
        for category, cls in queue_plugins(q, reg):
            if (category.name, cls.name) not in seen:
                seen.add((category.name, cls.name))
                keys.extend((k, f"{category.name} plugin {cls.name}") for k in cls.factory_keys)
    try:
        config_plugins = factory.get(QUEUES_PLUGIN)
    except ConfigError:
        config_plugins = ()
    for name in config_plugins:
        config_cls = _plugin(reg, CONFIG, name)
        if config_cls is not None:
            keys.extend((k, f"{CONFIG.name} plugin {config_cls.name}") for k in config_cls.factory_keys)
    return _effective(factory, keys, _factory_derived(settings))


def _factory_derived(settings: FactorySettings | None) -> dict[str, Derived]:
    if settings is None:
        return {}
    base = settings.base_log_dir
    return {
        FACTORY_ID.name: Derived(settings.factory_id, "host name and user (factoryId is not set)"),
        FACTORY_USER.name: Derived(settings.factory_user, "the user the factory runs as"),
        BASE_LOG_DIR.name: Derived(str(base), "~/factory/logs of the user the factory runs as"),
        BASE_LOG_URL.name: Derived(
            settings.base_log_url, f"this host's name ({socket.getfqdn()}), port 25880"
        ),
        STATE_DIR.name: Derived(str(settings.state_dir), f"beside baseLogDir ({Path(base).parent}/state)"),
    }
