"""Building HTCondor queues from configuration files, as the factory does."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from autopyfactory.loading.loader import LoadedConfig, load
from autopyfactory.plugins.context import AuthFailure, CredentialTarget, FactoryContext
from autopyfactory.plugins.registry import registry
from autopyfactory.plugins.submit import BATCHSUBMIT

HOST = "factory.example.org"
NOW = 1714564800.0  # 2024-05-01 12:00 UTC
DAY = "2024-05-01"
LOG_URL = "http://factory.example.org:25880"

FACTORY = """
[Factory]
factoryId = TEST-apf
factoryUser = apf
factoryAdminEmail = admin@example.org
baseLogDir = {logs}
baseLogDirUrl = http://factory.example.org:25880
statedir = {state}
logserver.enabled = False
batchstatus.condor.historywindow = 3600
"""

MONITOR = """
[apfmon]
monitorplugin = Dummy
monitorURL = http://apfmon.example.org/api
"""

# the profiles the test queues name (the tests resolve them with FakeAuth)
AUTH = """
[atlas-production]
plugin = X509
x509.proxyfile = /srv/apf/proxy/atlas-production.pem
x509.renew = False

[bosco-key]
plugin = SSH
ssh.privatekeyfile = /srv/apf/ssh/bosco-key
"""


class FakeAuth:
    """Profiles resolve to fixed paths; ``missing`` profiles have no valid credential."""

    def __init__(self, missing: Sequence[str] = ()) -> None:
        self.missing = set(missing)
        self.asked: list[tuple[str, ...]] = []
        self.targets: list[CredentialTarget] = []

    def proxy_path(self, profiles: Sequence[str], queue: str = "") -> str:
        self.asked.append(tuple(profiles))
        for p in profiles:
            if p not in self.missing:
                return f"/srv/apf/proxy/{p}.pem"
        raise AuthFailure(f"no valid proxy in profiles {','.join(profiles)}")

    def token_path(self, profiles: Sequence[str], target: CredentialTarget) -> str:
        self.asked.append(tuple(profiles))
        self.targets.append(target)
        for p in profiles:
            if p not in self.missing:
                return f"/srv/apf/tokens/{p}/{target.ce or 'token'}.token"
        raise AuthFailure(f"no valid token in profiles {','.join(profiles)}")

    def ssh_key_paths(self, profile: str) -> tuple[str, str, str | None]:
        return (f"/srv/apf/ssh/{profile}.pub", f"/srv/apf/ssh/{profile}", f"/srv/apf/ssh/{profile}.pass")


def load_conf(
    tmp_path: Path, queues: str, logs: str = "/srv/apf/logs", factory_extra: str = ""
) -> LoadedConfig:
    etc = tmp_path / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    factory = textwrap.dedent(FACTORY).format(logs=logs, state=tmp_path / "state") + textwrap.dedent(
        factory_extra
    )
    (etc / "autopyfactory.conf").write_text(factory)
    (etc / "monitor.conf").write_text(textwrap.dedent(MONITOR))
    if not (etc / "auth.conf").exists():
        (etc / "auth.conf").write_text(textwrap.dedent(AUTH))
    (etc / "queues.conf").write_text(textwrap.dedent(queues))
    return load(str(etc))


def context(cfg: LoadedConfig, auth: Any = None) -> FactoryContext:
    assert cfg.settings is not None
    return FactoryContext(cfg.factory, cfg.settings, cfg.mappings, cfg.monitors, auth or FakeAuth())


def submitter(cfg: LoadedConfig, queue: str, auth: Any = None) -> Any:
    qc = cfg.queues[queue]
    assert qc.ok, [str(p) for p in qc.errors]
    name = qc.section.raw("batchsubmitplugin") or ""
    return registry.get(BATCHSUBMIT, name.strip())(context(cfg, auth), qc.section)
