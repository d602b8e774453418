"""The factory's helper services (log server, log cleaning), started from plain settings taken from
its configuration (:class:`LogSettings`) and restarted when a reload changes what they depend on
(``baseLogDir``, the port of ``baseLogDirUrl``, ``logserver.*``). Per-queue ``cleanlogs.keepdays``
follows every reload without a restart."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.batch.logdir import queue_dirname
from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.queue import KEEPDAYS
from autopyfactory.config.section import ConfigSection
from autopyfactory.logserver.cleanlogs import LogCleaner
from autopyfactory.logserver.server import LogServer, Page, port_of

log = logging.getLogger(__name__)
METRICS_PATH = "/metrics"


@dataclass(frozen=True)
class ServerSettings:
    """What the log server runs with."""

    root: Path
    port: int
    index: bool
    allowrobots: bool
    metrics: bool = False  # serve the factory's metrics at /metrics (metrics.enabled)


def server_settings(s: FactorySettings) -> ServerSettings | None:
    """What the log server runs with; None when it is switched off."""
    if not s.logserver_enabled:
        return None
    return ServerSettings(
        s.base_log_dir, port_of(s.base_log_url), s.logserver_index, s.logserver_allowrobots, s.metrics_enabled
    )


@dataclass(frozen=True)
class LogSettings:
    """Everything the log services need from the factory's configuration: the server's settings
    (None: no server), the log tree the cleaner works on, ``[Factory] cleanlogs.keepdays`` and each
    queue's own ``cleanlogs.keepdays`` by its log directory name."""

    server: ServerSettings | None
    base_log_dir: Path
    keepdays: int | None
    keepdays_by_dir: Mapping[str, int] = field(default_factory=dict)
    url: str = ""  # baseLogDirUrl: where pilot logs are said to be (the log line at start)

    @classmethod
    def from_config(cls, settings: FactorySettings, queues: Mapping[str, ConfigSection]) -> LogSettings:
        by_dir: dict[str, int] = {}
        for name, section in queues.items():
            try:
                value = section.get(KEEPDAYS)
            except Exception:  # a bad value is the queue's configuration problem, reported there
                value = None
            if value is not None:
                by_dir.setdefault(queue_dirname(name), int(value))
        return cls(
            server_settings(settings),
            settings.base_log_dir,
            settings.cleanlogs_keepdays,
            by_dir,
            settings.base_log_url,
        )


class LogServices:
    """The log server and the log cleaner of one factory. ``metrics``: the page the log server
    answers ``/metrics`` with when its settings say so (``metrics.enabled``)."""

    def __init__(self, settings: LogSettings, metrics: Page | None = None) -> None:
        self.settings = settings
        self.metrics = metrics
        self.server: LogServer | None = None
        self.cleaner: LogCleaner | None = None
        self._server_settings: ServerSettings | None = None
        self._clean_root: Path | None = None

    def keepdays_for(self, dirname: str) -> int | None:
        """``cleanlogs.keepdays`` of the queue whose log directory is ``dirname`` (else [Factory]'s)."""
        settings = self.settings
        return settings.keepdays_by_dir.get(dirname, settings.keepdays)

    def start(self) -> LogServices:
        if self.settings.server is None:
            _announce(self.settings)  # reconfigure() says it when the server starts or stops
        self.reconfigure(self.settings)
        return self

    def reconfigure(self, settings: LogSettings) -> None:
        """Follow new settings: restart the server and the cleaner when what they run with changed,
        leave them alone otherwise."""
        self.settings = settings
        wanted = settings.server
        if wanted != self._server_settings or (wanted is not None and self.server is None):
            if self.server is not None:
                log.info("log server: settings changed; restarting")
                self.server.stop()
                self.server = None
            _announce(settings)
            if wanted is not None:
                pages = {METRICS_PATH: self.metrics} if wanted.metrics and self.metrics is not None else {}
                self.server = LogServer(
                    wanted.root, wanted.port, wanted.index, wanted.allowrobots, pages=pages
                ).start()
            self._server_settings = wanted
        if settings.base_log_dir != self._clean_root or self.cleaner is None:
            if self.cleaner is not None:
                log.info("cleanlogs: baseLogDir is now %s", settings.base_log_dir)
                self.cleaner.stop()
            self.cleaner = LogCleaner(settings.base_log_dir, self.keepdays_for).start()
            self._clean_root = settings.base_log_dir

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.cleaner is not None:
            self.cleaner.stop()
            self.cleaner = None
        self._server_settings, self._clean_root = None, None


def _announce(settings: LogSettings) -> None:
    """Say whether this factory serves its pilot logs over HTTP, where, and how to switch it off."""
    server = settings.server
    if server is None:
        log.info(
            "log server: off ([Factory] logserver.enabled = False); pilot log links point at %s, "
            "which something else must serve from %s",
            settings.url,
            settings.base_log_dir,
        )
        return
    log.info(
        "log server: serving %s at %s (port %d on every interface; [Factory] logserver.enabled = "
        "False turns it off)",
        server.root,
        settings.url,
        server.port,
    )
