"""Everything that can be checked about one APF queue before it runs: its keys, its plugins and their
keys, the mappings its status plugins read, its sched chain, its monitor sections and whether the
monitor can take its name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from autopyfactory.config.factory import FACTORY_KEYS
from autopyfactory.config.keys import STR, Key, KeySet
from autopyfactory.config.mapping_check import check_mapping
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.mappings import Mappings
from autopyfactory.config.monitor_names import LABEL_MAX, name_problem
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.queue import (
    ARGUMENTS,
    BATCHSUBMIT_PLUGIN,
    EXECUTABLE,
    MONITOR_SECTION,
    QUEUE_KEYS,
    WMSSTATUS_PLUGIN,
    batchstatus_plugin_name,
)
from autopyfactory.config.section import ConfigSection
from autopyfactory.config.validate import check_keys, unknown_keys
from autopyfactory.plugins.registry import PluginNotFound, Registry


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
    _mapping_problems: dict[tuple[MappingSpec, str], list[ConfigProblem]] = field(default_factory=dict)

    def mapping_problems(self, spec: MappingSpec, user: str) -> list[ConfigProblem]:
        key = (spec, user)
        if key not in self._mapping_problems:
            self._mapping_problems[key] = check_mapping(spec, self.mappings, user)
        return self._mapping_problems[key]


def queue_problems(s: ConfigSection, checks: QueueChecks) -> list[ConfigProblem]:
    """Every problem of queue ``s``, each once, in the order found."""
    out: list[ConfigProblem] = []
    out.extend(check_keys(s, QUEUE_KEYS))
    out.extend(unknown_keys(s, checks.known.queue))

    def plugin(category: str, name: str, key: str) -> Any:
        try:
            return checks.reg.get(category, name)
        except PluginNotFound as exc:
            out.append(ConfigProblem("error", s.origin_of(key), s.name, key, str(exc), s.raw(key) or name))
            return None

    try:
        wms_name = str(s.get(WMSSTATUS_PLUGIN))
        submit_name = str(s.get(BATCHSUBMIT_PLUGIN))
        status_name = batchstatus_plugin_name(s)
        monitor_names: tuple[str, ...] = s.get(MONITOR_SECTION) or ()
    except ConfigError:
        return list(dict.fromkeys(out))  # already reported by check_keys
    for category, name, key in (
        ("wmsstatus", wms_name, "wmsstatusplugin"),
        ("batchstatus", status_name, "batchstatusplugin"),
        ("batchsubmit", submit_name, "batchsubmitplugin"),
    ):
        cls = plugin(category, name, key)
        if cls is None:
            continue
        declared = cls.declared_keys() if category == "batchsubmit" else cls.keys
        out.extend(check_keys(s, declared))
        out.extend(check_keys(checks.factory, getattr(cls, "factory_keys", ())))
        spec = getattr(cls, "mapping", None)
        if isinstance(spec, MappingSpec):
            out.extend(checks.mapping_problems(spec, f"{category} plugin {name!r}"))
    from autopyfactory.sched.chain import build_chain

    try:
        build_chain(s, checks.factory, checks.reg)
    except ConfigError as exc:
        out.append(exc.problem)
    out.extend(_wrapper_problems(s))
    out.extend(_monitor_problems(s, monitor_names, checks.monitors))
    return list(dict.fromkeys(out))


def _wrapper_problems(s: ConfigSection) -> list[ConfigProblem]:
    """Without executable and executable.arguments, the submit plugins build the bundled wrapper's
    arguments from the wrapper.* keys at start: the same check, so check-config reports it."""
    try:
        if s.get(EXECUTABLE) or s.get(ARGUMENTS):
            return []
        from autopyfactory.wrapper import default_arguments

        default_arguments(s)
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
    why = name_problem(s.name, LABEL_MAX) if monitor_names else None
    if why is not None:
        out.append(
            ConfigProblem(
                "warning",
                s.origin,
                s.name,
                "monitorsection",
                f"the queue name {why}: the monitor refuses it as a label name, so this queue's pilots "
                "and messages will not show there",
                ",".join(monitor_names),
                "rename the queue section (the label is the queue name), or remove monitorsection",
            )
        )
    return out
