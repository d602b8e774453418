"""Registering a remote cluster with BOSCO (``bosco_cluster -a user@host batch``) once per target."""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

log = logging.getLogger(__name__)

_lock = threading.Lock()
_done: set[tuple[str, str]] = set()


def clusterlist_has(target: str, path: Path | None = None) -> bool:
    """Whether ``~/.bosco/clusterlist`` already lists ``user@host``."""
    p = path or Path.home() / ".bosco" / "clusterlist"
    try:
        return any(
            line.split()[:1] == [target] or f"entry={target}" in line for line in p.read_text().splitlines()
        )
    except OSError:
        return False


def ensure_cluster(target: str, batch: str) -> None:
    """Add ``target`` (``user@host``) as a ``batch`` cluster unless BOSCO already knows it. Without
    ``bosco_cluster`` on PATH nothing is done (the operator registered the cluster by hand)."""
    key = (target, batch)
    with _lock:
        if key in _done:
            return
        tool = shutil.which("bosco_cluster")
        if tool is None or clusterlist_has(target):
            _done.add(key)
            return
        try:
            p = subprocess.run(
                [tool, "-a", target, batch], capture_output=True, text=True, timeout=100, check=False
            )
        except subprocess.TimeoutExpired:
            log.error("bosco_cluster -a %s %s timed out after 100s", target, batch)
            return
        if p.returncode == 0:
            _done.add(key)
            log.info("BOSCO cluster %s (%s) added", target, batch)
        else:
            log.error(
                "bosco_cluster -a %s %s exited %d: %s",
                target,
                batch,
                p.returncode,
                (p.stdout + p.stderr).strip(),
            )
