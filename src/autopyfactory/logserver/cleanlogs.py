"""Log cleaning: remove ``baseLogDir/YYYY-MM-DD/<queue>/`` older than the queue's ``cleanlogs.keepdays``."""

from __future__ import annotations

import datetime as dt
import logging
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def clean_logs(
    root: Path, keepdays_for: Callable[[str], int | None], today: dt.date | None = None
) -> list[Path]:
    """Delete queue directories whose date directory is older than that queue's keepdays; then
    delete empty date directories. ``keepdays_for(queue_dirname)`` gives None to keep forever."""
    today = today or dt.datetime.now(dt.UTC).date()
    removed: list[Path] = []
    if not root.is_dir():
        return removed
    for day_dir in sorted(root.iterdir()):
        if not day_dir.is_dir():
            continue
        try:
            day = dt.date.fromisoformat(day_dir.name)
        except ValueError:
            continue
        age = (today - day).days
        for qdir in sorted(day_dir.iterdir()):
            if not qdir.is_dir():
                continue
            keep = keepdays_for(qdir.name)
            if keep is not None and age > keep:
                shutil.rmtree(qdir, ignore_errors=True)
                removed.append(qdir)
        try:
            next(day_dir.iterdir())
        except StopIteration:
            day_dir.rmdir()
            removed.append(day_dir)
    return removed


class LogCleaner:
    """Runs :func:`clean_logs` every ``interval`` seconds (hourly by default) in a thread."""

    def __init__(
        self, root: Path, keepdays_for: Callable[[str], int | None], interval: float = 3600.0
    ) -> None:
        self.root, self.keepdays_for, self.interval = root, keepdays_for, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cleanlogs", daemon=True)

    def start(self) -> LogCleaner:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for p in clean_logs(self.root, self.keepdays_for):
                    log.info("cleanlogs removed %s", p)
            except Exception:
                log.exception("cleanlogs failed")
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
