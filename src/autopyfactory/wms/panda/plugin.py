"""WMS status plugin ``Panda``: work waiting per PanDA site, and the site's status.

One instance (and one background poller thread) per PanDA server, API flavour, site status source
and credentials; every queue with the same settings shares it. ``poll()`` only reads the poller's
newest data, so a slow or failing server never holds up a cycle: its data ages out after
``wmsstatus.panda.maxage`` and the queues submit nothing until fresh data arrives."""

from __future__ import annotations

import os
from collections.abc import Hashable

from autopyfactory.config.credentials import X509, CredentialRef
from autopyfactory.config.derived import Derived
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.wms import WMSQueueInfo, WMSView
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.status import Fetches, WMSStatusPlugin
from autopyfactory.wms.panda import keys as panda_keys
from autopyfactory.wms.panda.auth import PandaAuth
from autopyfactory.wms.panda.fetch import FetchLimits
from autopyfactory.wms.panda.poller import PandaPoller
from autopyfactory.wms.panda.sites import SiteStatusReader
from autopyfactory.wms.panda.stats import StatsReader, base_url

# PanDA job states to APF's WMS buckets (2.4's; mappings.conf may override)
JOBSSTATISTICSPERSITE2INFO = {
    "pending": "notready",
    "defined": "notready",
    "assigned": "notready",
    "waiting": "notready",
    "throttled": "notready",
    "activated": "ready",
    "starting": "running",
    "sent": "running",
    "running": "running",
    "holding": "running",
    "transferring": "running",
    "finished": "done",
    "failed": "failed",
    "cancelled": "failed",
}
MAPPING = MappingSpec.wms("PANDAWMSSTATUS-JOBSSTATISTICSPERSITE2INFO", defaults=JOBSSTATISTICSPERSITE2INFO)


class NoPandaData(RuntimeError):
    """The poller has no data of some kind yet (the message says why)."""


def auth_of(queue: ConfigSection) -> PandaAuth:
    return PandaAuth(
        cert=queue.get(panda_keys.CERT),
        key=queue.get(panda_keys.KEY),
        proxy_profiles=queue.get(panda_keys.PROXY),
        token_file=queue.get(panda_keys.TOKEN),
        origin=queue.get(panda_keys.ORIGIN),
        verify=queue.get(panda_keys.VERIFY) or "True",
    )


def server_url(queue: ConfigSection) -> Derived | None:
    """The PanDA server ``queue`` reads and where that came from: ``wmsstatus.panda.url``, else
    ``$PANDA_URL_SSL`` or ``$PANDA_URL`` (2.4's PanDA client settings); None when none says."""
    url = (queue.get(panda_keys.URL) or "").strip()
    if url:
        return Derived(url, f"{queue.origin_of(panda_keys.URL.name)} [{queue.name}]")
    for var in panda_keys.ENV_URLS:
        env = os.environ.get(var, "").strip()
        if env:
            return Derived(env, f"${var} of the factory's environment (2.4's PanDA client setting)")
    return None


def _url_problem(queue: ConfigSection) -> ConfigProblem:
    raw = queue.raw(panda_keys.URL.name)
    return ConfigProblem(
        "error",
        queue.origin_of(panda_keys.URL.name) if raw is not None else queue.origin,
        queue.name,
        panda_keys.URL.name,
        ("is empty" if raw is not None else "is not set")
        + ", nor is $PANDA_URL_SSL or $PANDA_URL: this queue has no PanDA server to read "
        "(there is no default server)",
        raw,
        panda_keys.URL_FIX,
    )


def _url(queue: ConfigSection) -> str:
    """The server base URL; ConfigError naming the key and the fix when nothing gives one."""
    found = server_url(queue)
    if found is None:
        raise ConfigError(_url_problem(queue))
    return found.value


def _sitestatus(queue: ConfigSection) -> str:
    """Where site status comes from (an empty value is the server's site specs)."""
    return queue.get(panda_keys.SITESTATUS) or panda_keys.SITESTATUS.default


class PandaWMSStatus(WMSStatusPlugin):
    """WMS status plugin ``Panda``: activated jobs per PanDA queue and site status, from a poller shared per
    PanDA server."""

    name = "Panda"
    mapping = MAPPING
    keys = panda_keys.QUEUE_KEYS
    factory_keys = panda_keys.FACTORY_KEYS

    @classmethod
    def credentials(cls, section: ConfigSection) -> tuple[CredentialRef, ...]:
        """``wmsstatus.panda.proxy``: the profiles whose proxy is the client certificate."""
        try:
            profiles = section.get(panda_keys.PROXY)
        except ConfigError:
            return ()  # reported with the plugin's keys
        return (CredentialRef(panda_keys.PROXY.name, X509, tuple(profiles)),) if profiles else ()

    @classmethod
    def notes(cls, section: ConfigSection) -> list[ConfigProblem]:
        return [_url_problem(section)] if server_url(section) is None else []

    @classmethod
    def derived(cls, section: ConfigSection) -> dict[str, Derived]:
        found = server_url(section)
        if found is None or (section.raw(panda_keys.URL.name) or "").strip():
            return {}
        return {panda_keys.URL.name: found}

    @classmethod
    def instance_key(cls, queue: ConfigSection) -> Hashable:
        return (
            base_url(_url(queue)),
            queue.get(panda_keys.API),
            _sitestatus(queue),
            auth_of(queue).identity(),
        )

    def __init__(self, ctx: FactoryContext, queue: ConfigSection) -> None:
        super().__init__(ctx, queue)
        f = ctx.factory
        self.limits = FetchLimits(
            f.get(panda_keys.TIMEOUT),
            f.get(panda_keys.MAXSIZE),
            f.get(panda_keys.RETRIES),
            f.get(panda_keys.BACKOFF),
        )
        self._maxage = f.get(panda_keys.MAXAGE)
        url = base_url(_url(queue))
        api = queue.get(panda_keys.API)
        self.stats = StatsReader(url, api, self.limits)
        self.sites = SiteStatusReader(_sitestatus(queue), url, api, self.limits, ctx.settings.conf_dir)
        self.poller = PandaPoller(
            self.stats, self.sites, auth_of(queue), ctx.auth, self.limits, f.get(panda_keys.SLEEP)
        )
        self.poller.start()

    def maxage(self) -> float:
        return self._maxage

    def fetches(self) -> Fetches:
        """The poller's fetches of job statistics and of site status (each with its retries)."""
        return self.poller.latest().fetches

    def poll(self) -> WMSView:
        d = self.poller.latest(wait_first=self.limits.timeout + 1.0)
        if d.stats is None:
            raise NoPandaData(
                f"no job statistics from {self.stats.endpoint} yet: {d.stats_error or 'first query running'}"
            )
        if d.sites is None:
            raise NoPandaData(
                f"no site status from {self.sites.describe()} yet: {d.sites_error or 'first query running'}"
            )
        mappings = self.ctx.mappings
        queues = {
            site: WMSQueueInfo.from_counts(mappings.map_counts(MAPPING, counts))
            for site, counts in d.stats.items()
        }
        failed = "; ".join(e for e in (d.stats_error, d.sites_error) if e)
        return WMSView(
            "Panda",
            min(d.stats_at, d.sites_at),
            queues,
            d.sites,
            refresh_error=failed,
            counts_at=d.stats_at,
            counts_held=d.stats_error,
        )

    def close(self) -> None:
        self.poller.stop()
