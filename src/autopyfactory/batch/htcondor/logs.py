"""The pilot log location of an HTCondor submission (2.4's ``Dir`` and log URL)."""

from __future__ import annotations

import time
from pathlib import Path

from autopyfactory.batch.logdir import queue_dirname
from autopyfactory.config.factory import FactorySettings

PILOT_ID = "$(Cluster).$(Process)"
SUBMIT_FILE = "submit.jdl"


def log_location(settings: FactorySettings, apfqname: str, now: float) -> tuple[Path, str]:
    """(directory, URL) for pilots submitted at ``now``; nothing is created (dry runs use this too)."""
    rel = f"{time.strftime('%Y-%m-%d', time.gmtime(now))}/{queue_dirname(apfqname)}"
    return settings.base_log_dir / rel, f"{settings.base_log_url}/{rel}"
