"""Everything that can be checked about one APF queue before it runs: its keys, its plugins and their
keys, the mappings its status plugins read, its sched chain, its monitor sections and whether the
monitor can take its name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from autopyfactory.apfmon.names import NameKind, name_fault, name_fix
from autopyfactory.config.credentials import ProfileState, credential_problems
from autopyfactory.config.factory import FACTORY_KEYS
from autopyfactory.config.keys import STR, Key, KeySet
from autopyfactory.config.mapping_check import check_mapping
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.mappings import Mappings
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.queue import (
    ARGUMENTS,
    BATCHSTATUS_PLUGIN,
    BATCHSUBMIT_PLUGIN,
    MONITOR_SECTION,
    QUEUE_KEYS,
    SCHEDPLUGIN,
    WMSSTATUS_PLUGIN,
)
from autopyfactory.config.section import ConfigSection
from autopyfactory.config.validate import check_keys, lookalike_values, unknown_keys
from autopyfactory.loading.batchstatus import batchstatus_plugin_name
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.monitor import MONITOR
from autopyfactory.plugins.queues_config import CONFIG
from autopyfactory.plugins.registry import PluginNotFound, Registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS, StatusPlugin
from autopyfactory.plugins.submit import BATCHSUBMIT
from autopyfactory.sched.base import SCHED
from autopyfactory.wrapper.command import pilot_command
from autopyfactory.wrapper.preview24 import preview_24

PluginT = TypeVar("PluginT", bound=Plugin)


class KnownKeys:
    """Every key any plugin declares, per section kind (for 'unknown key' warnings), every mapping
    section a status plugin reads and the other sections status plugins know (2.4 shipped them)."""

    def __init__(self, reg: Registry) -> None:
        self.queue = KeySet(QUEUE_KEYS)
        self.factory = KeySet(FACTORY_KEYS)
        self.monitor = KeySet([Key("monitorplugin", STR, "Dummy"), Key("monitorURL", STR, "")])
        self.mappings: list[MappingSpec] = []
        self.unread_mappings: dict[str, Mapping[str, str]] = {}
        queue_plugins: list[type[Plugin]] = [
            *reg.all_loadable(SCHED).values(),
            *reg.all_loadable(BATCHSUBMIT).values(),
        ]
        status_plugins: list[type[StatusPlugin[Any]]] = [
            *reg.all_loadable(WMSSTATUS).values(),
            *reg.all_loadable(BATCHSTATUS).values(),
        ]
        for status in status_plugins:
            queue_plugins.append(status)
            if status.mapping is not None:
                self.mappings.append(status.mapping)
            self.unread_mappings.update(status.unread_mappings)
        for cls in queue_plugins:
            self.queue.extend(cls.declared_keys())
            self.factory.extend(cls.factory_keys)
        for config_plugin in reg.all_loadable(CONFIG).values():
            self.factory.extend(config_plugin.factory_keys)
        for monitor in reg.all_loadable(MONITOR).values():
            self.monitor.extend(monitor.declared_keys())

    def builtin_mappings(self) -> Mappings:
        """The mappings the status plugins declare: what a ``mappingsConf`` file overrides."""
        return Mappings.built_in(self.mappings, self.unread_mappings)


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

    plugins = _QueuePlugins(s, checks.reg, out)
    try:
        wms_name = s.get(WMSSTATUS_PLUGIN)
        submit_name = s.get(BATCHSUBMIT_PLUGIN)
        status_name = batchstatus_plugin_name(s, checks.reg)
        monitor_names = s.get(MONITOR_SECTION)
    except ConfigError:
        return list(dict.fromkeys(out))  # already reported by check_keys
    if wms_name:  # None: the chain decides without WMS status
        wms = plugins.get(WMSSTATUS, wms_name, WMSSTATUS_PLUGIN.name)
        out.extend(_status_problems(s, checks, wms, f"{WMSSTATUS.name} plugin {wms_name!r}"))
    if status_name:  # None: the submit plugin is unknown (reported with it)
        status = plugins.get(
            BATCHSTATUS, status_name, BATCHSTATUS_PLUGIN.name, derived=BATCHSUBMIT_PLUGIN.name
        )
        out.extend(_status_problems(s, checks, status, f"{BATCHSTATUS.name} plugin {status_name!r}"))
    submit = plugins.get(BATCHSUBMIT, submit_name, BATCHSUBMIT_PLUGIN.name)
    if submit is not None:
        out.extend(_key_problems(s, checks, submit))
        out.extend(submit.notes(s))
        out.extend(credential_problems(s, submit.credentials(s), checks.profiles))
    out.extend(_sched_problems(s, checks, plugins))
    out.extend(_wrapper_problems(s))
    out.extend(_monitor_problems(s, monitor_names, checks.monitors))
    return list(dict.fromkeys(out))


class _QueuePlugins:
    """The plugin classes a queue names; a name that finds none is an error on the key that names it."""

    def __init__(self, s: ConfigSection, reg: Registry, problems: list[ConfigProblem]) -> None:
        self.s, self.reg, self.problems = s, reg, problems

    def get(
        self, category: Category[PluginT], name: str, key: str, derived: str = ""
    ) -> type[PluginT] | None:
        """The class of plugin ``name`` named by ``key``. ``derived``: when the queue does not set
        ``key``, the key its value follows from, on which a problem is then reported (the operator
        never wrote ``key``)."""
        try:
            return self.reg.get(category, name)
        except PluginNotFound as exc:
            s = self.s
            if derived and s.raw(key) is None:
                self.problems.append(
                    ConfigProblem(
                        "error",
                        s.origin_of(derived),
                        s.name,
                        derived,
                        f"its {key} (not set, so derived from {derived}: {name!r}) is no plugin: {exc}",
                        s.raw(derived),
                        f"set {key} to the {category.name} plugin that counts this queue's pilots",
                    )
                )
            else:
                self.problems.append(
                    ConfigProblem("error", s.origin_of(key), s.name, key, str(exc), s.raw(key) or name)
                )
            return None


def _key_problems(s: ConfigSection, checks: QueueChecks, cls: type[Plugin]) -> list[ConfigProblem]:
    """Bad values of the keys ``cls`` declares, in the queue and in ``[Factory]``."""
    return [*check_keys(s, cls.declared_keys()), *check_keys(checks.factory, cls.factory_keys)]


def _status_problems(
    s: ConfigSection, checks: QueueChecks, status: type[StatusPlugin[Any]] | None, label: str
) -> list[ConfigProblem]:
    """A status plugin's keys, the mapping section it reads (``label`` names the plugin as the queue
    does) and what its keys name among the queues."""
    if status is None:
        return []
    out = _key_problems(s, checks, status)
    out.extend(status.notes(s))
    if status.mapping is not None:
        out.extend(checks.mapping_problems(status.mapping, label))
    out.extend(status.queue_references(s, checks.queues))
    out.extend(credential_problems(s, status.credentials(s), checks.profiles))
    return out


def _sched_problems(s: ConfigSection, checks: QueueChecks, plugins: _QueuePlugins) -> list[ConfigProblem]:
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
        cls = plugins.get(SCHED, name, SCHEDPLUGIN.name)
        if cls is None:
            continue
        keys = _key_problems(s, checks, cls)
        out.extend(keys)
        if keys:
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
        command = pilot_command(s)
    except ConfigError as exc:
        return [exc.problem]
    p = preview_24(command)
    if p is None or not p.style:
        return []
    origin, key = s.origin_of(ARGUMENTS.name), ARGUMENTS.name
    render = f"`autopyfactory wrapper render-args --queue {s.name}` lists what each 2.4 item became"
    if not p.bundled:
        now = f"{command.executable} runs it as written"
        if p.error:
            text, hint = (
                f"{now}; the bundled wrapper would refuse it: {p.error}",
                "fix the line before migrating",
            )
        else:
            text, hint = f"{now}; with the bundled wrapper it would run as: {p.arguments}", render
        return [
            ConfigProblem(
                "info", origin, s.name, key, f"a 2.4 {p.style} line: {text}", command.arguments, hint
            )
        ]
    if p.error:
        return [
            ConfigProblem(
                "error",
                origin,
                s.name,
                key,
                f"a 2.4 wrapper line the bundled wrapper refuses on every node: {p.error}",
                command.arguments,
                "fix the line, or set executable to the 2.4 wrapper the line was written for",
            )
        ]
    return [
        ConfigProblem(
            "info",
            origin,
            s.name,
            key,
            f"a 2.4 {p.style} line; the bundled wrapper runs it as: {p.arguments}",
            command.arguments,
            render,
        )
    ]


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
