"""The factory's metrics as a daemon service: the collector follows the factory from the start; the
metrics are served on a port of their own (``metrics.port``, on ``metrics.address``) and/or by the
log server at ``/metrics`` (``metrics.enabled``: :meth:`MetricsService.page`), as the configuration
says after every reload."""

from __future__ import annotations

import logging

from autopyfactory.config.factory import FactorySettings
from autopyfactory.engine.factory import Factory
from autopyfactory.engine.metrics.collector import CONTENT_TYPE, FactoryMetrics
from autopyfactory.engine.metrics.server import MetricsServer
from autopyfactory.logserver.server import port_of

log = logging.getLogger(__name__)


def port_conflict(s: FactorySettings) -> str:
    """Why ``metrics.port`` cannot be served ("" when it can): it is the log server's port."""
    if s.metrics_port is not None and s.logserver_enabled and s.metrics_port == port_of(s.base_log_url):
        return (
            f"metrics.port = {s.metrics_port} is the log server's port (baseLogDirUrl): set "
            "metrics.enabled = True to serve /metrics there, or choose another metrics.port"
        )
    return ""


class MetricsService:
    """The metrics of ``factory`` and where they are served."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.metrics = FactoryMetrics(factory)
        self.server: MetricsServer | None = None
        self._where: tuple[str, int] | None = None

    def start(self) -> MetricsService:
        self.reconfigure(self.factory.settings)
        return self

    def page(self) -> tuple[bytes, str]:
        """What the log server answers at /metrics."""
        return self.metrics.render(), CONTENT_TYPE

    def reconfigure(self, settings: FactorySettings) -> None:
        """Serve on the port the settings name (moving when it changed), or on none."""
        conflict = port_conflict(settings)
        if conflict:
            log.error("metrics: %s", conflict)
        wanted = None
        if settings.metrics_port is not None and not conflict:
            wanted = (settings.metrics_address, settings.metrics_port)
        if wanted != self._where:
            self._stop_server()
            if wanted is not None:
                self.server = MetricsServer(self.metrics.registry, *wanted).start()
            self._where = wanted
        if settings.metrics_enabled and not settings.logserver_enabled:
            log.warning(
                "metrics: metrics.enabled = True but logserver.enabled = False: nothing serves /metrics "
                "on the log server's port (set metrics.port for a port of their own)"
            )

    def _stop_server(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def stop(self) -> None:
        self._stop_server()
        self._where = None
