"""Log cleaning: remove ``baseLogDir/YYYY-MM-DD/<queue>/`` older than the queue's ``cleanlogs.keepdays``.

Only real directories are cleaned: ``baseLogDir`` is opened once (the operator's setting, a link
there is followed), and everything below it is reached through directory descriptors opened with
``O_NOFOLLOW`` (see :mod:`autopyfactory.logserver.tree_removal`). A link named like a date or queue
directory is left alone and never followed; links inside a queue directory being removed are
removed themselves, their targets never touched."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import stat
import threading
from collections.abc import Callable
from pathlib import Path

from autopyfactory.logserver.tree_removal import open_dir_at, remove_tree_at

log = logging.getLogger(__name__)

DATE_DIR = re.compile(r"\d{4}-\d{2}-\d{2}")


def clean_logs(
    root: Path, keepdays_for: Callable[[str], int | None], today: dt.date | None = None
) -> list[Path]:
    """Delete queue directories whose date directory is older than that queue's keepdays; then
    delete empty date directories. ``keepdays_for(queue_dirname)`` gives None to keep forever."""
    today = today or dt.datetime.now(dt.UTC).date()
    removed: list[Path] = []
    try:
        root_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (FileNotFoundError, NotADirectoryError):
        return removed
    try:
        device = os.fstat(root_fd).st_dev
        for name in sorted(os.listdir(root_fd)):
            day = _date_of(name)
            if day is None:
                continue
            day_fd = open_dir_at(root_fd, name)
            if day_fd is None:
                _note_link(root_fd, name, root)
                continue
            try:
                if os.fstat(day_fd).st_dev != device:
                    log.warning("cleanlogs: %s is on another filesystem; not entered", root / name)
                    continue
                removed += _clean_day(day_fd, root / name, (today - day).days, keepdays_for, device)
                empty = not os.listdir(day_fd)
            finally:
                os.close(day_fd)
            if empty and _rmdir_at(root_fd, name):
                removed.append(root / name)
    finally:
        os.close(root_fd)
    return removed


def _clean_day(
    day_fd: int, day_path: Path, age: int, keepdays_for: Callable[[str], int | None], device: int
) -> list[Path]:
    removed: list[Path] = []
    for qname in sorted(os.listdir(day_fd)):
        keep = keepdays_for(qname)
        if keep is None or age <= keep:
            continue
        if remove_tree_at(day_fd, qname, device):
            removed.append(day_path / qname)
        else:
            _note_link(day_fd, qname, day_path)
    return removed


def _date_of(name: str) -> dt.date | None:
    if not DATE_DIR.fullmatch(name):
        return None
    try:
        return dt.date.fromisoformat(name)
    except ValueError:
        return None


def _rmdir_at(fd: int, name: str) -> bool:
    try:
        os.rmdir(name, dir_fd=fd)
    except OSError:  # refilled, swapped for a link (ENOTDIR), gone: left alone
        return False
    return True


def _note_link(fd: int, name: str, parent: Path) -> None:
    try:
        st = os.lstat(name, dir_fd=fd)
    except OSError:
        return
    if stat.S_ISLNK(st.st_mode):
        log.warning("cleanlogs: %s is a symbolic link; links are never followed nor cleaned", parent / name)


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

    def stop(self, wait: float = 10.0) -> None:
        """Stop; a pass under way is waited for up to ``wait`` seconds (it only ever deletes below
        its own root, so one still finishing after a root change is harmless)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(wait)
