"""What every factory-side plugin is given: the factory configuration and shared services."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.mappings import Mappings
from autopyfactory.config.section import ConfigSection


class AuthFailure(Exception):
    """No usable credential for the profiles asked for."""


@dataclass(frozen=True, slots=True)
class CredentialTarget:
    """Who asks for a credential and where it is used: the APF queue, and the CE its grid resource
    names (a token profile's audience template is filled from it: ``{ce}``, ``{port}``)."""

    queue: str = ""
    ce: str = ""
    port: int | None = None


class AuthLookup(Protocol):
    """The auth manager as submit plugins see it."""

    def proxy_path(self, profiles: Sequence[str], queue: str = "") -> str:
        """Path of a valid X509 proxy from the first profile that has one; AuthFailure otherwise."""
        ...

    def token_path(self, profiles: Sequence[str], target: CredentialTarget) -> str:
        """Path of a valid bearer token (audience filled from ``target``) from the first token
        profile that has one; AuthFailure otherwise."""
        ...

    def ssh_key_paths(self, profile: str) -> tuple[str, str, str | None]:
        """(public key, private key, passphrase file) of an SSH profile; AuthFailure otherwise."""
        ...


@dataclass
class FactoryContext:
    """The factory configuration plus shared services, handed to every plugin instance."""

    factory: ConfigSection
    settings: FactorySettings
    mappings: Mappings
    monitors: Mapping[str, ConfigSection] = field(default_factory=dict)
    auth: AuthLookup | None = None
    # a reporting tool's context: plugins open their batch state read-only (start, change nothing)
    read_only: bool = False

    def monitor_url(self, queue: ConfigSection) -> str:
        """The APFMon URL for pilots of ``queue``: ``monitorURL`` of its first monitor section that has one."""
        raw = queue.raw("monitorsection") or ""
        for name in (s.strip() for s in raw.split(",")):
            sec = self.monitors.get(name)
            if sec is not None:
                url = (sec.raw("monitorURL") or "").strip()
                if url and url != "None":
                    return url
        return ""
