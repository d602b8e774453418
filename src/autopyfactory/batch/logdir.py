"""Where a pilot's logs go: ``baseLogDir/YYYY-MM-DD/<queue>/`` (UTC date), and the matching URL."""

from __future__ import annotations

import time
from pathlib import Path

from autopyfactory.config.factory import FactorySettings


def queue_dirname(apfqname: str) -> str:
    """The queue name as a directory name (``/`` and ``:`` become ``_``, as in 2.4)."""
    return apfqname.replace("/", "_").replace(":", "_")


def pilot_log_dir(settings: FactorySettings, apfqname: str, now: float | None = None) -> tuple[Path, str]:
    """(directory, URL) for pilots of ``apfqname`` submitted at ``now``; the directory is created."""
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() if now is None else now))
    rel = f"{day}/{queue_dirname(apfqname)}"
    path = settings.base_log_dir / rel
    path.mkdir(parents=True, exist_ok=True)
    return path, f"{settings.base_log_url}/{rel}"
