"""Start the factory's helper services (log server, log cleaning) from its configuration."""

from __future__ import annotations

from typing import TYPE_CHECKING

from autopyfactory.batch.logdir import queue_dirname
from autopyfactory.config.queue import KEEPDAYS
from autopyfactory.logserver.cleanlogs import LogCleaner
from autopyfactory.logserver.server import LogServer, port_of

if TYPE_CHECKING:
    from autopyfactory.engine.factory import Factory


def start_services(factory: Factory) -> list[object]:
    s = factory.cfg.settings
    assert s is not None
    out: list[object] = []
    if s.logserver_enabled:
        out.append(
            LogServer(
                s.base_log_dir, port_of(s.base_log_url), s.logserver_index, s.logserver_allowrobots
            ).start()
        )

    def keepdays_for(dirname: str) -> int | None:
        for name, qc in factory.cfg.queues.items():
            if queue_dirname(name) == dirname:
                try:
                    v = qc.section.get(KEEPDAYS)
                except Exception:
                    v = None
                if v is not None:
                    return int(v)
        return s.cleanlogs_keepdays

    out.append(LogCleaner(s.base_log_dir, keepdays_for).start())
    return out
