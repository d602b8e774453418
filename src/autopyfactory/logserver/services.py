"""The factory's helper services (log server, log cleaning), started from its configuration and
restarted when a reload changes what they depend on (``baseLogDir``, the port of ``baseLogDirUrl``,
``logserver.*``). Per-queue ``cleanlogs.keepdays`` is always read from the running configuration."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from autopyfactory.batch.logdir import queue_dirname
from autopyfactory.config.factory import FactorySettings
from autopyfactory.config.queue import KEEPDAYS
from autopyfactory.logserver.cleanlogs import LogCleaner
from autopyfactory.logserver.server import LogServer, port_of

if TYPE_CHECKING:
    from autopyfactory.engine.factory import Factory

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerSettings:
    root: Path
    port: int
    index: bool
    allowrobots: bool


def server_settings(s: FactorySettings) -> ServerSettings | None:
    """What the log server runs with; None when it is switched off."""
    if not s.logserver_enabled:
        return None
    return ServerSettings(s.base_log_dir, port_of(s.base_log_url), s.logserver_index, s.logserver_allowrobots)


class LogServices:
    """The log server and the log cleaner of one factory."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.server: LogServer | None = None
        self.cleaner: LogCleaner | None = None
        self._server_settings: ServerSettings | None = None
        self._clean_root: Path | None = None

    def _settings(self) -> FactorySettings:
        s = self.factory.cfg.settings
        assert s is not None
        return s

    def keepdays_for(self, dirname: str) -> int | None:
        """``cleanlogs.keepdays`` of the queue whose log directory is ``dirname`` (else [Factory]'s)."""
        for name, qc in self.factory.cfg.queues.items():
            if queue_dirname(name) == dirname:
                try:
                    v = qc.section.get(KEEPDAYS)
                except Exception:
                    v = None
                if v is not None:
                    return int(v)
        return self._settings().cleanlogs_keepdays

    def start(self) -> LogServices:
        self.reconfigure(self.factory)
        return self

    def reconfigure(self, factory: Factory) -> None:
        """Follow the configuration ``factory`` now runs: restart the server and the cleaner when
        their settings changed, leave them alone otherwise."""
        self.factory = factory
        s = self._settings()
        wanted = server_settings(s)
        if wanted != self._server_settings or (wanted is not None and self.server is None):
            if self.server is not None:
                log.info("log server: settings changed; restarting")
                self.server.stop()
                self.server = None
            if wanted is not None:
                self.server = LogServer(wanted.root, wanted.port, wanted.index, wanted.allowrobots).start()
            self._server_settings = wanted
        if s.base_log_dir != self._clean_root or self.cleaner is None:
            if self.cleaner is not None:
                log.info("cleanlogs: baseLogDir is now %s", s.base_log_dir)
                self.cleaner.stop()
            self.cleaner = LogCleaner(s.base_log_dir, self.keepdays_for).start()
            self._clean_root = s.base_log_dir

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.cleaner is not None:
            self.cleaner.stop()
            self.cleaner = None
        self._server_settings, self._clean_root = None, None


def start_services(factory: Factory) -> list[object]:
    """The services of ``factory``, started; each has ``stop()`` and ``reconfigure(factory)``."""
    return [LogServices(factory).start()]
