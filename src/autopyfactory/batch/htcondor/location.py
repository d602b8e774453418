"""Which schedd a queue talks to: local, or remote through a collector (``scheddhost``/``port``,
``collectorhost``/``port``, or 2.4's ``queryargs``/``submitargs`` words ``-name``/``-pool``/``-remote``)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from autopyfactory.batch.htcondor.security import CondorSecurity
from autopyfactory.config.keys import INT, STR, Key
from autopyfactory.config.section import ConfigSection

LOCAL_NAMES = ("", "localhost", "127.0.0.1")


@dataclass(frozen=True, slots=True)
class ScheddLocation:
    """A schedd: ``name`` None is the local schedd; ``collector`` (``host:port``) None is the local
    pool's collector. Hashable: equal locations share one connection, lock and status query."""

    name: str | None = None
    collector: str | None = None
    security: CondorSecurity = field(default_factory=CondorSecurity)

    @property
    def is_local(self) -> bool:
        return self.name is None and self.collector is None

    def __str__(self) -> str:
        if self.is_local:
            return "local schedd"
        return f"schedd {self.name or '(default)'} via collector {self.collector or '(local)'}"


@dataclass(frozen=True)
class LocationKeys:
    """The location keys under one prefix (``batchstatus.condor.``, ``wmsstatus.condor.``)."""

    prefix: str

    @property
    def scheddhost(self) -> Key[str]:
        return Key(
            self.prefix + "scheddhost", STR, "localhost", "schedd name/host (localhost: the local one)"
        )

    @property
    def scheddport(self) -> Key[int]:
        return Key(
            self.prefix + "scheddport", INT, 9618, "unused: the schedd is found by name in the collector"
        )

    @property
    def collectorhost(self) -> Key[str]:
        return Key(self.prefix + "collectorhost", STR, "localhost", "collector that knows the schedd")

    @property
    def collectorport(self) -> Key[int]:
        return Key(self.prefix + "collectorport", INT, 9618, "collector port")

    @property
    def queryargs(self) -> Key[str | None]:
        return Key(self.prefix + "queryargs", STR, None, "2.4 style '-name SCHEDD -pool HOST[:PORT]'")

    @property
    def authmethods(self) -> Key[str]:
        return Key(self.prefix + "authmethods", STR, "", "SEC_CLIENT_AUTHENTICATION_METHODS, e.g. TOKEN")

    @property
    def tokendir(self) -> Key[str]:
        return Key(self.prefix + "tokendir", STR, "", "SEC_TOKEN_DIRECTORY holding IDTOKENS")

    @property
    def x509proxy(self) -> Key[str]:
        return Key(self.prefix + "x509proxy", STR, "", "X509_USER_PROXY for GSI/SSL authentication")

    def all(self) -> tuple[Key[object], ...]:
        return (
            self.scheddhost,
            self.scheddport,
            self.collectorhost,
            self.collectorport,
            self.queryargs,
            self.authmethods,
            self.tokendir,
            self.x509proxy,
        )

    def location(self, section: ConfigSection) -> ScheddLocation:
        """The schedd these keys name: located by name in the collector (the local pool's collector
        when ``collectorhost`` is localhost), like ``condor_q -name SCHEDD -pool COLLECTOR``."""
        security = CondorSecurity(
            section.get(self.authmethods), section.get(self.tokendir), section.get(self.x509proxy)
        )
        qargs = parse_args(section.get(self.queryargs) or "")
        shost = qargs.name or _host(section.get(self.scheddhost))
        chost = _host(section.get(self.collectorhost))
        collector = qargs.pool
        if collector is None and chost:
            collector = f"{chost}:{section.get(self.collectorport)}"
        return ScheddLocation(shost, collector, security)

    def with_args(self, base: ScheddLocation, args_text: str) -> ScheddLocation:
        """``base`` with the ``-remote``/``-name``/``-pool`` words of 2.4's ``submitargs`` laid over it."""
        args = parse_args(args_text)
        return ScheddLocation(args.name or base.name, args.pool or base.collector, base.security)


@dataclass(frozen=True, slots=True)
class CondorArgs:
    """The schedd (``-name``/``-remote``) and pool (``-pool``) words of 2.4's queryargs/submitargs."""

    name: str | None = None
    pool: str | None = None


def parse_args(text: str) -> CondorArgs:
    """``-name X`` / ``-remote X`` / ``-pool Y[:port]`` from 2.4's queryargs/submitargs."""
    words = shlex.split(text)
    name = pool = None
    for i, w in enumerate(words[:-1]):
        if w in ("-name", "-remote", "-r"):
            name = words[i + 1]
        elif w in ("-pool", "-p"):
            pool = words[i + 1]
    return CondorArgs(name, pool)


def _host(value: str) -> str | None:
    v = value.strip()
    return None if v in LOCAL_NAMES else v


BATCHSTATUS_LOCATION = LocationKeys("batchstatus.condor.")
WMSSTATUS_LOCATION = LocationKeys("wmsstatus.condor.")
