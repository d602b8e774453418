"""The background poller: one thread per PanDA server (and credentials) per factory, refreshing job
statistics and site status every ``wmsstatus.panda.sleep`` seconds. Readers get the newest data
with the time it was taken; a failed refresh keeps the previous data, which ages out."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from autopyfactory.model.wms import SiteInfo
from autopyfactory.net.deadline import http_client
from autopyfactory.plugins.context import AuthLookup
from autopyfactory.plugins.status import Fetches
from autopyfactory.wms.panda.auth import PandaAuth
from autopyfactory.wms.panda.failure_log import FailureLog
from autopyfactory.wms.panda.fetch import FetchLimits, with_retries
from autopyfactory.wms.panda.sites import SiteStatusReader
from autopyfactory.wms.panda.stats import StateCounts, StatsReader
from autopyfactory.wms.panda.unpickle import UnsafePickle

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PandaData:
    """The newest data of each kind and when it was taken (None: never obtained)."""

    stats: StateCounts | None = None
    stats_at: float = 0.0
    stats_error: str = ""
    sites: dict[str, SiteInfo] | None = None
    sites_at: float = 0.0
    sites_error: str = ""
    refreshes: int = 0
    fetches: Fetches = field(default_factory=Fetches)  # the fetches (of either kind) that ended


@dataclass
class _State:
    data: PandaData = field(default_factory=PandaData)
    lock: threading.Lock = field(default_factory=threading.Lock)


class PandaPoller:
    """Polls one PanDA server's job statistics and site status in the background; the plugin reads its latest
    copy."""

    def __init__(
        self,
        stats: StatsReader,
        sites: SiteStatusReader,
        auth: PandaAuth,
        auth_lookup: AuthLookup | None,
        limits: FetchLimits,
        sleep: float,
    ) -> None:
        self.stats_reader = stats
        self.sites_reader = sites
        self.auth = auth
        self.auth_lookup = auth_lookup
        self.limits = limits
        self.sleep = max(0.1, sleep)
        self._state = _State()
        self._stop = threading.Event()
        self._first = threading.Event()
        self._failures = {
            "stats": FailureLog(log, f"PanDA poller {stats.base}: job statistics"),
            "sites": FailureLog(log, f"PanDA poller {stats.base}: site status"),
        }
        self._thread = threading.Thread(target=self._run, name=f"panda-poller {stats.base}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, wait: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(wait)

    def latest(self, wait_first: float = 0.0) -> PandaData:
        """The newest data; on the first call, wait up to ``wait_first`` seconds for a first refresh."""
        if wait_first > 0 and not self._first.is_set():
            self._first.wait(wait_first)
        with self._state.lock:
            return self._state.data

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.refresh()
            except Exception:  # never let the thread die: the data just ages out
                log.exception("PanDA poller for %s: unexpected error", self.stats_reader.base)
            self._first.set()
            self._stop.wait(self.sleep)

    def refresh(self) -> None:
        """Fetch statistics and site status once (each with retries) and store what worked. Each
        fetch is counted as it ends: its time, and whether it failed (``PandaData.fetches``)."""
        started = time.monotonic()
        try:
            cert = self.auth.client_cert(self.auth_lookup)
            headers = self.auth.headers()
            verify = self.auth.ssl_verify()
        except Exception as exc:
            self._failed("stats", f"credentials: {exc}", started)
            self._failed("sites", f"credentials: {exc}", started)
            return
        with http_client(self.limits.timeout, cert=cert, verify=verify, follow_redirects=True) as client:
            t0, started = time.time(), time.monotonic()
            try:
                stats = with_retries(
                    lambda: self.stats_reader.read(client, headers),
                    f"PanDA job statistics from {self.stats_reader.endpoint}",
                    self.limits,
                    self._stop,
                    self._retry_level("stats"),
                )
                self._fetched(started, lambda d: replace(d, stats=stats, stats_at=t0, stats_error=""))
                self._failures["stats"].succeeded()
            except Exception as exc:
                self._failed("stats", _describe(exc), started)
            t0, started = time.time(), time.monotonic()
            try:
                sites = with_retries(
                    lambda: self.sites_reader.read(client, headers),
                    f"site status from {self.sites_reader.describe()}",
                    self.limits,
                    self._stop,
                    self._retry_level("sites"),
                )
                self._fetched(started, lambda d: replace(d, sites=sites, sites_at=t0, sites_error=""))
                self._failures["sites"].succeeded()
            except Exception as exc:
                self._failed("sites", _describe(exc), started)
        self._update(lambda d: replace(d, refreshes=d.refreshes + 1))

    def _update(self, change: Callable[[PandaData], PandaData]) -> None:
        with self._state.lock:
            self._state.data = change(self._state.data)

    def _fetched(
        self, started: float, change: Callable[[PandaData], PandaData], failed: bool = False
    ) -> None:
        """Store what a fetch that began at ``started`` (monotonic) gave, and count it."""
        seconds = max(0.0, time.monotonic() - started)

        def counted(d: PandaData) -> PandaData:
            f = d.fetches
            return replace(
                change(d), fetches=Fetches(f.count + 1, f.failed + int(failed), f.seconds + seconds)
            )

        self._update(counted)

    def _retry_level(self, what: str) -> int:
        """A refresh already failing retries quietly (its failure is logged as FailureLog says)."""
        return logging.DEBUG if self._failures[what].failing else logging.WARNING

    def _failed(self, what: str, message: str, started: float) -> None:
        self._failures[what].failed(message)
        if what == "stats":
            self._fetched(started, lambda d: replace(d, stats_error=message), failed=True)
        else:
            self._fetched(started, lambda d: replace(d, sites_error=message), failed=True)


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnsafePickle):
        return f"hostile or non-plain pickle refused: {exc}"
    return f"{type(exc).__name__}: {exc}"
