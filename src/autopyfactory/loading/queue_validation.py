"""Everything that can be checked about one APF queue before it runs: its keys, its plugins and their
keys, the mappings its status plugins read, its sched chain, its monitor sections and whether the
monitor can take its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autopyfactory.apfmon.names import NameKind, name_fault, name_fix
from autopyfactory.config.credentials import ProfileState, credential_problems
from autopyfactory.config.factory import FACTORY_KEYS
from autopyfactory.config.keys import STR, Key, KeySet
from autopyfactory.config.mapping_check import check_mapping
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.mappings import Mappings
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.queue import (
    BATCHSUBMIT_PLUGIN,
    MONITOR_SECTION,
    QUEUE_KEYS,
    SCHEDPLUGIN,
    WMSSTATUS_PLUGIN,
    batchstatus_plugin_name,
)
from autopyfactory.config.section import ConfigSection
from autopyfactory.config.validate import check_keys, lookalike_values, unknown_keys
from autopyfactory.plugins.registry import PluginNotFound, Registry
from autopyfactory.wrapper.command import pilot_command


class KnownKeys:
    """Every key any plugin declares, per section kind (for 'unknown key' warnings), and every
    mapping section a status plugin reads."""

    def __init__(self, reg: Registry) -> None:
        self.queue = KeySet(QUEUE_KEYS)
        self.factory = KeySet(FACTORY_KEYS)
        self.monitor = KeySet([Key("monitorplugin", STR, "Dummy"), Key("monitorURL", STR, "")])
        self.mappings: list[MappingSpec] = []
        for cat in ("sched", "wmsstatus", "batchstatus"):
            for cls in reg.all_loadable(cat).values():
                self.queue.extend(getattr(cls, "keys", ()))
                self.factory.extend(getattr(cls, "factory_keys", ()))
                spec = getattr(cls, "mapping", None)
                if isinstance(spec, MappingSpec):
                    self.mappings.append(spec)
        for cls in reg.all_loadable("batchsubmit").values():
            self.queue.extend(cls.declared_keys())
            self.factory.extend(getattr(cls, "factory_keys", ()))
        for cls in reg.all_loadable("config").values():
            self.factory.extend(getattr(cls, "factory_keys", ()))
        for cls in reg.all_loadable("monitor").values():
            self.monitor.extend(getattr(cls, "keys", ()))


@dataclass
class QueueChecks:
    """What every queue is checked against (built once per load)."""

    factory: ConfigSection
    monitors: dict[str, ConfigSection]
    mappings: Mappings
    reg: Registry
    known: KnownKeys
    profiles: dict[str, ProfileState] = field(default_factory=dict)  # auth.conf / proxy.conf
    queues: dict[str, ConfigSection] = field(default_factory=dict)  # every queue, for references
    _mapping_problems: dict[tuple[MappingSpec, str], list[ConfigProblem]] = field(default_factory=dict)

    def mapping_problems(self, spec: MappingSpec, user: str) -> list[ConfigProblem]:
        key = (spec, user)
        if key not in self._mapping_problems:
            self._mapping_problems[key] = check_mapping(spec, self.mappings, user)
        return self._mapping_problems[key]


def queue_problems(s: ConfigSection, checks: QueueChecks) -> list[ConfigProblem]:
    """Every problem of queue ``s``, each once, in the order found: every bad key, not only the first
    one of a plugin."""
    out: list[ConfigProblem] = []
    out.extend(check_keys(s, QUEUE_KEYS))
    out.extend(unknown_keys(s, checks.known.queue))
    out.extend(lookalike_values(s, checks.known.queue))

    def plugin(category: str, name: str, key: str) -> Any:
        try:
            return checks.reg.get(category, name)
        except PluginNotFound as exc:
            out.append(ConfigProblem("error", s.origin_of(key), s.name, key, str(exc), s.raw(key) or name))
            return None

    try:
        wms_name = s.get(WMSSTATUS_PLUGIN)
        submit_name = s.get(BATCHSUBMIT_PLUGIN)
        status_name = batchstatus_plugin_name(s)
        monitor_names = s.get(MONITOR_SECTION)
    except ConfigError:
        return list(dict.fromkeys(out))  # already reported by check_keys
    for category, name, key in (
        ("wmsstatus", wms_name, "wmsstatusplugin"),
        ("batchstatus", status_name, "batchstatusplugin"),
        ("batchsubmit", submit_name, "batchsubmitplugin"),
    ):
        if not name:
            continue  # no WMS status plugin: the chain decides without one
        cls = plugin(category, str(name), key)
        if cls is None:
            continue
        declared = cls.declared_keys() if category == "batchsubmit" else cls.keys
        out.extend(check_keys(s, declared))
        out.extend(check_keys(checks.factory, getattr(cls, "factory_keys", ())))
        spec = getattr(cls, "mapping", None)
        if isinstance(spec, MappingSpec):
            out.extend(checks.mapping_problems(spec, f"{category} plugin {name!r}"))
        references = getattr(cls, "queue_references", None)
        if references is not None:
            out.extend(references(s, checks.queues))
        if category == "batchsubmit":
            out.extend(cls.notes(s))
            out.extend(credential_problems(s, cls.credentials(s), checks.profiles))
    out.extend(_sched_problems(s, checks, plugin))
    out.extend(_wrapper_problems(s))
    out.extend(_monitor_problems(s, monitor_names, checks.monitors))
    return list(dict.fromkeys(out))


def _sched_problems(s: ConfigSection, checks: QueueChecks, plugin: Any) -> list[ConfigProblem]:
    """Every sched plugin of the chain: each of its keys' values, then the plugin's own checks."""
    try:
        names = s.get(SCHEDPLUGIN)
    except ConfigError:
        return []  # reported with the queue keys
    if not names:
        return [
            ConfigProblem(
                "error",
                s.origin_of(SCHEDPLUGIN.name),
                s.name,
                SCHEDPLUGIN.name,
                "is empty",
                s.raw(SCHEDPLUGIN.name),
                "name at least one sched plugin, e.g. Ready",
            )
        ]
    out: list[ConfigProblem] = []
    for name in names:
        cls = plugin("sched", name, SCHEDPLUGIN.name)
        if cls is None:
            continue
        keys = check_keys(s, cls.keys)
        factory_keys = check_keys(checks.factory, getattr(cls, "factory_keys", ()))
        out.extend([*keys, *factory_keys])
        if keys or factory_keys:
            continue
        try:
            cls(s, checks.factory)
        except ConfigError as exc:
            out.append(exc.problem)
    return out


def _wrapper_problems(s: ConfigSection) -> list[ConfigProblem]:
    """Without executable and executable.arguments, the submit plugins build the bundled wrapper's
    arguments from the wrapper.* keys at start: the same check, so check-config reports it."""
    try:
        pilot_command(s)
    except ConfigError as exc:
        return [exc.problem]
    return []


def _monitor_problems(
    s: ConfigSection, monitor_names: tuple[str, ...], monitors: dict[str, ConfigSection]
) -> list[ConfigProblem]:
    out: list[ConfigProblem] = []
    for m in monitor_names:
        if m not in monitors:
            out.append(
                ConfigProblem(
                    "warning",
                    s.origin_of("monitorsection"),
                    s.name,
                    "monitorsection",
                    f"monitor section [{m}] is not in monitor.conf; this queue reports to no monitor by that name",
                    ",".join(monitor_names),
                    "add the section to monitor.conf or remove it from monitorsection",
                )
            )
    fault = name_fault(NameKind.LABEL, s.name) if monitor_names else None
    if fault is not None:
        out.append(
            ConfigProblem(
                "warning",
                s.origin,
                s.name,
                "monitorsection",
                f"{fault}: the monitor refuses it as a label name, so this queue's pilots and messages "
                "will not show there",
                ",".join(monitor_names),
                f"rename the queue section (the label is the queue name: {name_fix(NameKind.LABEL)}), "
                "or remove monitorsection",
            )
        )
    return out
