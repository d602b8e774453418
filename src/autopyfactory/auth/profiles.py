"""Building one handler from one auth.conf / proxy.conf section, with its configuration problems."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from autopyfactory.auth.handler import AUTH, COMMON_KEYS, PLUGIN, AuthEnv, AuthHandler
from autopyfactory.config.keys import KeySet
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.config.validate import check_keys, unknown_keys
from autopyfactory.plugins.registry import PluginNotFound, Registry

X509_PREFIX = "x509."


@dataclass
class Profile:
    """A configured profile: its handler, or the problems that keep it from having one."""

    section: ConfigSection
    handler: AuthHandler | None
    problems: list[ConfigProblem] = field(default_factory=list)

    @property
    def errors(self) -> list[ConfigProblem]:
        return [p for p in self.problems if p.level == "error"]


def legacy_view(section: ConfigSection) -> ConfigSection:
    """A proxy.conf section (no ``plugin`` key, unprefixed X509 keys) as an auth.conf X509 profile."""
    values = {(k if k.startswith(X509_PREFIX) else X509_PREFIX + k): v for k, v in section.items()}
    values.update({k: v for k, v in section.items() if k.startswith(X509_PREFIX)})
    return ConfigSection(section.name, values, section.origin)


@dataclass
class Checked:
    """A profile section validated without building its handler (nothing is read or written)."""

    view: ConfigSection  # the section as its plugin reads it (proxy.conf keys get their x509. prefix)
    plugin: str
    cls: type[AuthHandler] | None  # None when the plugin is unknown
    problems: list[ConfigProblem]

    @property
    def ok(self) -> bool:
        return self.cls is not None and not any(p.level == "error" for p in self.problems)


def check_profile(section: ConfigSection, reg: Registry) -> Checked:
    """Every problem of one auth.conf / proxy.conf section: its plugin, each key's value, required
    keys (an X509 profile without ``x509.proxyfile``), what the plugin needs besides (an SSH key,
    MyProxy's server), and unknown keys."""
    legacy = PLUGIN.name not in section
    view = legacy_view(section) if legacy else section
    pname = "X509" if legacy else section.get(PLUGIN) or PLUGIN.default
    try:
        cls = reg.get(AUTH, pname)
    except PluginNotFound as exc:
        problem = ConfigProblem(
            "error", section.origin_of(PLUGIN.name), section.name, PLUGIN.name, str(exc), pname
        )
        return Checked(view, pname, None, [problem])
    keys = (*COMMON_KEYS, *cls.keys)
    problems = [*check_keys(view, keys), *cls.requirements(view), *unknown_keys(view, KeySet(keys))]
    return Checked(view, pname, cls, list(dict.fromkeys(problems)))


def build_profile(section: ConfigSection, env: AuthEnv, reg: Registry) -> Profile:
    """Validate ``section`` against its plugin's keys and build the handler (None when it has errors)."""
    checked = check_profile(section, reg)
    if checked.cls is None or not checked.ok:
        return Profile(section, None, checked.problems)
    try:
        return Profile(section, checked.cls(checked.view, env), checked.problems)
    except ConfigError as exc:
        return Profile(section, None, [*checked.problems, exc.problem])


def same_sections(a: Mapping[str, ConfigSection], b: Mapping[str, ConfigSection], name: str) -> bool:
    return name in a and name in b and a[name].as_dict() == b[name].as_dict()
