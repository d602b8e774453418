"""Logging as 2.4 did it: UTC timestamps, level, logger; to stdout, a file or syslog."""

from __future__ import annotations

import logging
import logging.handlers
import sys
import time

FORMAT = "%(asctime)s (UTC) [ %(levelname)s ] %(name)s: %(message)s"


class _UTCFormatter(logging.Formatter):
    """Timestamps in UTC."""

    def converter(self, secs: float | None = None) -> time.struct_time:
        return time.gmtime(secs)


def setup_logging(level: int, target: str = "stdout", console: bool = False) -> logging.Handler | None:
    """``target`` is ``stdout``, ``syslog`` or a file path (reopened by logrotate's copytruncate or a
    restart). ``console`` adds stdout when logging elsewhere. Returns the file handler, if any."""
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.setLevel(level)
    fmt = _UTCFormatter(FORMAT)
    file_handler: logging.Handler | None = None
    handlers: list[logging.Handler] = []
    if target == "stdout":
        handlers.append(logging.StreamHandler(sys.stdout))
    elif target == "syslog":
        h = logging.handlers.SysLogHandler(address="/dev/log")
        h.setFormatter(
            logging.Formatter("autopyfactory[%(process)d]: [ %(levelname)s ] %(name)s: %(message)s")
        )
        root.addHandler(h)
    else:
        file_handler = logging.handlers.WatchedFileHandler(target)
        handlers.append(file_handler)
    if console and target != "stdout":
        handlers.append(logging.StreamHandler(sys.stdout))
    for h in handlers:
        h.setFormatter(fmt)
        root.addHandler(h)
    # third-party chatter stays at WARNING unless debugging
    for noisy in ("httpx", "httpcore", "urllib3", "sqlalchemy", "alembic", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level <= logging.DEBUG else logging.WARNING)
    return file_handler
