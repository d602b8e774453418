"""A ``monitor serve`` worker freezes its startup heap out of the garbage collector's full
collections (which otherwise stall its event loop for about 100 ms each); apps built by a process
that does other things (tests) leave the heap alone."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from autopyfactory.monitor_server.db.engine import make_engine
from autopyfactory.monitor_server.db.migrate import upgrade
from autopyfactory.monitor_server.settings import ServerSettings, settings_to_json

# what a worker of ``monitor serve`` runs (``app_from_environment``), then one state update
WORKER = """
import gc
from fastapi.testclient import TestClient
from autopyfactory.monitor_server.app import app_from_environment, create_app
from autopyfactory.monitor_server.settings import settings_from_json
import os

if os.environ["AS"] == "worker":
    app = app_from_environment()
else:
    app = create_app(settings_from_json(os.environ["APFMON_SETTINGS"]), migrate=False)
before = gc.get_freeze_count()
with TestClient(app) as c:
    during = gc.get_freeze_count()
    status = c.post("/api/jobs/f:1.0", data={"state": "running"}).status_code
print(before, during, status)
"""


def _run(tmp_path: Path, role: str) -> tuple[int, int, int]:
    settings = ServerSettings(db_url=f"sqlite:///{tmp_path}/heap-{role}.db")
    upgrade(make_engine(settings.db_url))
    out = subprocess.run(
        [sys.executable, "-c", WORKER],
        env={"APFMON_SETTINGS": settings_to_json(settings), "AS": role, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout.split()
    before, during, status = (int(x) for x in out[-3:])
    return before, during, status


def test_a_serve_worker_freezes_its_startup_heap_once_started(tmp_path: Path) -> None:
    before, during, status = _run(tmp_path, "worker")
    assert before == 0
    assert during > 10_000  # the framework, the database layers, the app: tens of thousands of objects
    assert status == 404  # and it serves (no such pilot)


def test_an_app_built_by_another_program_leaves_the_heap_alone(tmp_path: Path) -> None:
    assert _run(tmp_path, "library")[:2] == (0, 0)
