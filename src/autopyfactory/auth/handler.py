"""The base of auth handlers: one per auth.conf profile, chosen by its ``plugin`` value."""

from __future__ import annotations

from abc import ABC
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from autopyfactory.auth.clock import SYSTEM_CLOCK, Clock
from autopyfactory.auth.credential_status import CredentialStatus
from autopyfactory.config.keys import STR, Key
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.base import Category, Plugin
from autopyfactory.plugins.context import AuthFailure, CredentialTarget

PLUGIN = Key("plugin", STR, "X509", "X509, SSH, GSISSH or Token (a proxy.conf section without it is X509)")
AUTHBASEDIR = Key("authbasedir", STR, None, "where decoded keys are written (default: <statedir>/auth)")
COMMON_KEYS = (PLUGIN, AUTHBASEDIR)


@dataclass(frozen=True)
class AuthEnv:
    """What handlers get from the manager: the default base directory, how to find another
    profile's proxy (myproxy ``retriever_list``) and the clock."""

    basedir: Path
    proxy_of: Callable[[Sequence[str]], str]
    clock: Clock = field(default=SYSTEM_CLOCK)


class AuthHandler(Plugin, ABC):
    """One credential profile (``keys``: its keys besides ``plugin`` and ``authbasedir``). Lookups
    raise :class:`AuthFailure` with the reason; ``check`` is the periodic work (renewal,
    validation), run by the manager's thread every :meth:`interval` seconds. ``provides``: the
    kind of credential it hands out (``config.credentials.X509``, ``SSH``, ``TOKEN``), what
    check-config matches against the profiles a queue names."""

    provides: ClassVar[str | None] = None

    @classmethod
    def requirements(cls, profile: ConfigSection) -> list[ConfigProblem]:
        """What the profile lacks that no single key says (one of two keys, keys a flavour needs),
        found without touching any file; every key's own value is checked separately."""
        return []

    @classmethod
    def file_problems(cls, profile: ConfigSection) -> list[ConfigProblem]:
        """Problems of the files the profile reads (a token client's secret): the machine's state,
        not the configuration's, so they are shown but do not stop the queues that use it."""
        return []

    def __init__(self, profile: ConfigSection, env: AuthEnv) -> None:
        self.profile = profile
        self.env = env
        base = profile.get(AUTHBASEDIR)
        self.basedir = Path(base).expanduser() if base else env.basedir
        self.clock = env.clock
        self.next_check = self.clock.monotonic()

    @property
    def label(self) -> str:
        return f"auth profile [{self.profile.name}] ({self.profile.origin})"

    def interval(self) -> float | None:
        """Seconds between checks; None: nothing to do periodically."""
        return None

    def check(self) -> None:
        """Periodic work; must not raise for credential problems (it records them)."""

    def proxy_path(self) -> str:
        raise AuthFailure(f"{self.label} is a {self.name} profile, not an X509 proxy")

    def ssh_key_paths(self) -> tuple[str, str, str | None]:
        raise AuthFailure(f"{self.label} is a {self.name} profile, not an SSH key pair")

    def token_path(self, target: CredentialTarget) -> str:
        raise AuthFailure(f"{self.label} is a {self.name} profile, not a token profile")

    def statuses(self) -> list[CredentialStatus]:
        """What the profile holds now (for ``auth status``, the state file and alerts); reads no
        file and runs no tool."""
        return []

    def close(self) -> None:
        """The profile is going away (reconfiguration or shutdown)."""


def needs_one_of(profile: ConfigSection, keys: tuple[Key[object], ...], why: str) -> list[ConfigProblem]:
    """An error naming ``keys`` when the profile sets none of them."""
    if any(profile.raw(k.name) not in (None, "", "None") for k in keys):
        return []
    names = " or ".join(k.name for k in keys)
    return [
        ConfigProblem(
            "error",
            profile.origin,
            profile.name,
            keys[0].name,
            f"{why}: set {names}",
            None,
            f"add '{keys[0].name} = ...' to [{profile.name}]",
        )
    ]


AUTH: Category[AuthHandler] = Category("auth", AuthHandler)
