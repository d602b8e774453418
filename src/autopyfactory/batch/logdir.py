"""Where a pilot's logs go: ``baseLogDir/YYYY-MM-DD/<queue>/`` (UTC date of the submission), and the
matching URL under ``baseLogDirUrl``. Every backend uses these (2.4's ``Dir`` and log URL)."""

from __future__ import annotations

import time
from pathlib import Path

from autopyfactory.config.factory import FactorySettings


def queue_dirname(apfqname: str) -> str:
    """The queue name as a directory name (``/`` and ``:`` become ``_``, as in 2.4)."""
    return apfqname.replace("/", "_").replace(":", "_")


def pilot_log_location(settings: FactorySettings, apfqname: str, now: float) -> tuple[Path, str]:
    """(directory, URL) for pilots of ``apfqname`` submitted at ``now``; nothing is created (a dry run
    shows it too)."""
    rel = f"{time.strftime('%Y-%m-%d', time.gmtime(now))}/{queue_dirname(apfqname)}"
    return settings.base_log_dir / rel, f"{settings.base_log_url}/{rel}"


def pilot_log_dir(settings: FactorySettings, apfqname: str, now: float | None = None) -> tuple[Path, str]:
    """:func:`pilot_log_location` with the directory created (``now`` None: the current time)."""
    path, url = pilot_log_location(settings, apfqname, time.time() if now is None else now)
    path.mkdir(parents=True, exist_ok=True)
    return path, url
