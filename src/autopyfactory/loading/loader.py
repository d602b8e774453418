"""Load a whole factory configuration: ``autopyfactory.conf``, queues, mappings, monitors, auth.

Every problem is collected with its file, section and key. Problems of ``[Factory]`` stop the
factory; problems of one queue disable that queue only.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from autopyfactory.apfmon.names import NameKind, name_fault, name_fix
from autopyfactory.config.factory import (
    AUTH_CONF,
    DEFAULT_CONF_DIR,
    FACTORY_ID,
    FACTORY_KEYS,
    FACTORY_SECTION,
    MAPPINGS_CONF,
    MONITOR_CONF,
    PROXY_CONF,
    QUEUES_PLUGIN,
    FactorySettings,
    url_timeout,
)
from autopyfactory.config.ini import (
    RawDocument,
    ResolvedSection,
    document_notes,
    merge,
    read_documents,
    resolve,
)
from autopyfactory.config.ini_text import decode
from autopyfactory.config.keys import Key, KeySet
from autopyfactory.config.mapping_check import check_mapping_files
from autopyfactory.config.mappings import Mappings
from autopyfactory.config.problems import ConfigError, ConfigProblem, error
from autopyfactory.config.queue import ENABLED
from autopyfactory.config.section import ConfigSection
from autopyfactory.config.sources import read_source, resolve_path
from autopyfactory.config.unreadable_lines import HINT as UNREADABLE_HINT
from autopyfactory.config.validate import check_keys, unknown_default_keys, unknown_keys
from autopyfactory.loading.queue_validation import KnownKeys, QueueChecks, queue_problems
from autopyfactory.loading.silent_defaults import silent_default_notes
from autopyfactory.plugins.queues_config import CONFIG, QueuesConfigPlugin
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry

__all__ = ["KnownKeys", "LoadedConfig", "QueueConfig", "builtin_mappings", "load", "locate_conf"]

CONF_NAME = "autopyfactory.conf"


@dataclass
class QueueConfig:
    """One APF queue's effective section and what validation found: ``problems`` (errors and
    warnings) and ``notes`` (level info: defaults it relies on that change what it does)."""

    section: ConfigSection
    problems: list[ConfigProblem] = field(default_factory=list)
    notes: list[ConfigProblem] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.section.name

    @property
    def errors(self) -> list[ConfigProblem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def enabled(self) -> bool:
        try:
            return self.section.get(ENABLED)
        except ConfigError:
            return False


@dataclass
class LoadedConfig:
    """A whole factory configuration, loaded and checked: the files read, ``[Factory]`` and its typed
    settings, mappings, monitor and auth sections, every queue with its problems, and the queue config
    plugins that made them."""

    conf_files: list[Path]
    conf_dir: Path
    factory: ConfigSection
    settings: FactorySettings | None
    mappings: Mappings
    monitors: dict[str, ConfigSection]
    auth: dict[str, ConfigSection]
    queues: dict[str, QueueConfig]
    problems: list[ConfigProblem] = field(default_factory=list)
    queue_plugins: list[QueuesConfigPlugin] = field(default_factory=list)
    # auth.conf / proxy.conf: a broken profile stops only the queues that depend on it
    auth_problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def factory_errors(self) -> list[ConfigProblem]:
        return [p for p in self.problems if p.level == "error"]

    def all_problems(self) -> list[ConfigProblem]:
        return [*self.problems, *self.auth_problems, *(p for q in self.queues.values() for p in q.problems)]

    def has_errors(self) -> bool:
        return any(p.level == "error" for p in self.all_problems())

    def unreadable_files(self) -> dict[str, list[ConfigProblem]]:
        """Queue files with lines that could not be read, each with the problems saying which: such
        a file may have lost keys or a whole section (a broken header), so the queues it defined
        cannot be trusted, also one that seems to be gone."""
        out: dict[str, list[ConfigProblem]] = {}
        for p in self.all_problems():
            if p.hint == UNREADABLE_HINT and p.origin:
                found = out.setdefault(p.origin, [])
                if p not in found:
                    found.append(p)
        return out


def locate_conf(spec: str | None) -> list[Path]:
    """``--conf`` value to file list: a comma list of files, or a directory holding autopyfactory.conf."""
    if not spec:
        return [DEFAULT_CONF_DIR / CONF_NAME]
    out: list[Path] = []
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        p = resolve_path(part, Path.cwd())
        out.append(p / CONF_NAME if p.is_dir() else p)
    return out


def _sections_of(
    specs: str, base_dir: Path, named_by: tuple[str, str, str], timeout: float
) -> dict[str, ResolvedSection]:
    sections: dict[str, ResolvedSection] = {}
    for spec in (s.strip() for s in specs.split(",")):
        if spec:
            text, origin = read_source(spec, base_dir, named_by, url_timeout=timeout)
            sections = merge(sections, resolve(read_documents([(text, origin)])))
    return sections


def _to_section(r: ResolvedSection, known: KeySet | None = None) -> ConfigSection:
    """The section of ``r``; keys ``known`` declares verbatim get their text as written."""
    values = r.values
    if known is not None:
        values = {k: v.as_written() if _is_verbatim(known, k) else v for k, v in values.items()}
    return ConfigSection(r.name, values, r.origin, r.referenced)


def _is_verbatim(known: KeySet, key: str) -> bool:
    k = known.find(key)
    return k is not None and k.verbatim


def _optional_file(
    factory: ConfigSection, key: Key[str | None], conf_dir: Path, default_name: str
) -> str | None:
    value = factory.get(key)
    if value:
        return value
    if (conf_dir / default_name).exists():
        return str(conf_dir / default_name)
    return None


def builtin_mappings(reg: Registry = registry) -> Mappings:
    """The mappings the status plugins of ``reg`` declare (no ``mappingsConf`` laid over them)."""
    return KnownKeys(reg).builtin_mappings()


def load(conf: str | None = None, reg: Registry = registry) -> LoadedConfig:
    """Load and validate everything. Raises ConfigError only when autopyfactory.conf itself cannot be
    read; every other problem is returned in the result."""
    files = locate_conf(conf)
    conf_dir = files[0].parent
    doc = RawDocument()
    for f in files:
        try:
            data = f.read_bytes()
        except FileNotFoundError:
            raise error(
                str(f), "", "", "file does not exist", hint="pass --conf with the path of autopyfactory.conf"
            ) from None
        except OSError as exc:
            raise error(str(f), "", "", f"cannot read it: {exc.strerror}") from None
        doc.add_text(decode(data), str(f))  # a line it cannot read stops the factory
    resolved = resolve(doc)
    problems: list[ConfigProblem] = document_notes(doc)
    fres = resolved.get(FACTORY_SECTION)
    if fres is None:
        factory = ConfigSection(FACTORY_SECTION, {}, str(files[0]))
        problems.append(
            ConfigProblem(
                "warning", str(files[0]), FACTORY_SECTION, "", "no [Factory] section; using built-in defaults"
            )
        )
    else:
        factory = _to_section(fres)
        problems.extend(fres.problems)
    known = KnownKeys(reg)
    problems.extend(check_keys(factory, FACTORY_KEYS))
    problems.extend(unknown_keys(factory, known.factory, skip_from_default=True))
    if factory.raw(FACTORY_ID.name) in (None, "", "None"):
        problems.append(
            ConfigProblem(
                "warning",
                factory.origin,
                FACTORY_SECTION,
                "factoryId",
                "not set; a host-user name is used",
                hint="set a unique factoryId",
            )
        )
    settings: FactorySettings | None = None
    try:
        settings = FactorySettings.from_section(factory, conf_dir)
    except ConfigError as exc:
        if exc.problem not in problems:
            problems.append(exc.problem)

    def named(key: str) -> tuple[str, str, str]:
        return (factory.origin_of(key), FACTORY_SECTION, key)

    builtin_mappings = known.builtin_mappings()
    mappings = builtin_mappings
    timeout = url_timeout(factory)
    monitors: dict[str, ConfigSection] = {}
    auth: dict[str, ConfigSection] = {}
    try:
        mpath = _optional_file(factory, MAPPINGS_CONF, conf_dir, "mappings.conf")
        if mpath:
            texts = [
                read_source(s.strip(), conf_dir, named("mappingsConf"), url_timeout=timeout)
                for s in mpath.split(",")
                if s.strip()
            ]
            mappings = Mappings.from_texts(texts, base=mappings)
        mon = _optional_file(factory, MONITOR_CONF, conf_dir, "monitor.conf")
        if mon:
            monitors = {
                k: _to_section(v)
                for k, v in _sections_of(mon, conf_dir, named("monitorConf"), timeout).items()
            }
            for sec in monitors.values():
                problems.extend(unknown_keys(sec, known.monitor))
        for key, default_name in ((AUTH_CONF, "auth.conf"), (PROXY_CONF, "proxy.conf")):
            path = _optional_file(factory, key, conf_dir, default_name)
            if path:
                for k, v in _sections_of(path, conf_dir, named(key.name), timeout).items():
                    auth.setdefault(k, _to_section(v))
    except ConfigError as exc:
        problems.append(exc.problem)
    problems.extend(check_mapping_files(mappings, builtin_mappings, known.mappings))
    problems.extend(_factory_name_problems(factory, settings, monitors))

    queues: dict[str, QueueConfig] = {}
    plugins: list[QueuesConfigPlugin] = []
    sections: dict[str, ResolvedSection] = {}
    plugin_names: Sequence[str] = ("File",)
    try:
        plugin_names = factory.get(QUEUES_PLUGIN) or QUEUES_PLUGIN.default
    except ConfigError:
        pass
    for pname in plugin_names:
        try:
            cls = reg.get(CONFIG, pname)
            inst = cls(factory, conf_dir)
            res = inst.load(sections)
            plugins.append(inst)
            sections = merge(sections, res.sections)
            problems.extend(res.problems)
        except PluginNotFound as exc:
            problems.append(
                ConfigProblem(
                    "error",
                    factory.origin_of("config.queues.plugin"),
                    FACTORY_SECTION,
                    "config.queues.plugin",
                    str(exc),
                    pname,
                )
            )
        except ConfigError as exc:
            problems.append(exc.problem)
    from autopyfactory.auth.validation import check_profiles

    auth_problems, profiles = check_profiles(auth, reg)
    built = {name: _to_section(rs, known.queue) for name, rs in sections.items()}
    checks = QueueChecks(factory, monitors, mappings, reg, known, profiles, built)
    for name, rs in sections.items():
        section = built[name]
        found = list(dict.fromkeys([*rs.problems, *queue_problems(section, checks)]))
        queues[name] = QueueConfig(
            section, _disabled_as_warnings(section, found), silent_default_notes(section)
        )
    problems.extend(unknown_default_keys(built.values(), known.queue))
    return LoadedConfig(
        files, conf_dir, factory, settings, mappings, monitors, auth, queues, problems, plugins, auth_problems
    )


def _disabled_as_warnings(section: ConfigSection, problems: list[ConfigProblem]) -> list[ConfigProblem]:
    """A queue that says ``enabled = False`` does not run, so its errors stop nothing: they are
    reported as warnings (2.4's own example queues.conf has disabled queues with typos). An
    ``enabled`` value that cannot be read stays an error: nobody knows whether the queue should run."""
    try:
        if section.get(ENABLED) is not False:
            return problems
    except ConfigError:
        return problems
    return [
        replace(p, level="warning", message=f"{p.message} (the queue is disabled: enabled = False)")
        if p.level == "error"
        else p
        for p in problems
    ]


def _factory_name_problems(
    factory: ConfigSection, settings: FactorySettings | None, monitors: dict[str, ConfigSection]
) -> list[ConfigProblem]:
    """A warning when a monitor is configured and would refuse the factory's name."""
    if settings is None or not monitors:
        return []
    fault = name_fault(NameKind.FACTORY, settings.factory_id)
    if fault is None:
        return []
    return [
        ConfigProblem(
            "warning",
            factory.origin_of(FACTORY_ID.name),
            FACTORY_SECTION,
            FACTORY_ID.name,
            f"{fault}: the monitor refuses it, so nothing of this factory will show there",
            settings.factory_id,
            f"choose another factoryId: {name_fix(NameKind.FACTORY)}",
        )
    ]


def environ_conf() -> str | None:
    return os.environ.get("AUTOPYFACTORY_CONF")
