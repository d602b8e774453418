"""The invariant checks themselves: each reports the violation it exists for, and nothing else."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.invariants.filesystem import changes, make_fifo, make_file, make_link, snapshot
from tests.invariants.markers import read_markers, started_twice
from tests.invariants.proctable import alive, children, read_proc, start_time
from tests.invariants.registry import read_rows, starts_not_recorded, still_active, uncounted_live_pilots
from tests.invariants.timing import Span, gaps_over_bound, spans_over_bound


def test_snapshots_never_follow_links_and_see_deletion_and_replacement(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    make_file(outside / "a" / "keep.txt")
    make_fifo(outside / "fifo")  # a FIFO is never opened (opening it would block this test)
    make_link(outside / "loop", "loop")
    make_link(outside / "up", tmp_path)  # followed, this would walk the whole tree again
    before = snapshot(outside)
    assert set(before) == {".", "a", "a/keep.txt", "fifo", "loop", "up"}
    assert changes(before, snapshot(outside), "out") == []
    (outside / "a" / "keep.txt").write_text("changed\n")
    os.unlink(outside / "fifo")
    make_file(outside / "fifo")
    (outside / "new").mkdir()  # new entries are no violation
    assert changes(before, snapshot(outside), "out") == [
        "out/a/keep.txt changed: file -> file",
        "out/fifo changed: fifo -> file",
    ]
    os.unlink(outside / "a" / "keep.txt")
    assert "out/a/keep.txt (file) was deleted" in changes(before, snapshot(outside), "out")


def _marker(d: Path, cid: str, pid: int, ppid: int) -> None:
    info = {"id": cid, "pid": pid, "ppid": ppid, "pgid": ppid, "queue": "Q", "factory": "F", "started": 1.0}
    (d / f"{cid}.{pid}.start").write_text(json.dumps(info))


def _registry(statedir: Path, rows: list[tuple[str, str, int | None]]) -> None:
    statedir.mkdir()
    db = sqlite3.connect(statedir / "local-pilots.sqlite")
    db.execute(
        "CREATE TABLE pilots (id TEXT, queue TEXT, state TEXT, submitted REAL, started REAL, ended REAL, pid INTEGER, rc INTEGER)"
    )
    db.executemany("INSERT INTO pilots VALUES (?, 'Q', ?, 0, NULL, NULL, ?, NULL)", rows)
    db.commit()
    db.close()


def test_registry_cross_checks_name_each_way_a_pilot_is_miscounted(tmp_path: Path) -> None:
    markers = tmp_path / "markers"
    markers.mkdir()
    _marker(markers, "1.0", 100, 90)
    _marker(markers, "1.0", 101, 91)  # started twice
    _marker(markers, "1.1", 102, 92)  # tracked as another process
    _marker(markers, "9.9", 103, 93)  # unknown to the registry
    _registry(tmp_path / "state", [("1.0", "running", 90), ("1.1", "running", 55), ("1.2", "done", None)])
    rows, ms = read_rows(tmp_path / "state"), read_markers(markers)
    assert started_twice(ms) == ["pilot 1.0 was started 2 times (pids 100, 101)"]
    recorded = starts_not_recorded(rows, ms)
    assert "pilot 1.1 ran as pid 102 under launcher 92, but the registry tracks pid 55" in recorded
    assert "pilot 9.9 started (pid 103) but the registry has no record of it" in recorded
    assert len(recorded) == 3  # and 1.0's second start, whose launcher the registry does not track
    assert still_active(rows) == [
        "pilot 1.0 of queue Q is still running in the registry",
        "pilot 1.1 of queue Q is still running in the registry",
    ]
    me = read_proc(os.getpid())
    assert me is not None
    live = {"1.0": [me], "1.2": [me], "7.7": [me]}
    found = uncounted_live_pilots(rows, live)
    assert len(found) == 2 and "1.2" in found[0] and "says done" in found[0] and "7.7" in found[1]


def test_process_table_tells_a_process_from_a_reused_pid() -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        st = start_time(child.pid)
        assert st is not None and alive(child.pid, st) and not alive(child.pid, st + 1)
        assert child.pid in {p.pid for p in children(os.getpid())}
    finally:
        child.kill()
        child.wait()
    assert not alive(child.pid)


def test_spans_and_gaps_over_their_bounds() -> None:
    spans = [Span("a call", 0.0, 1.0), Span("a stuck call", 0.0, None)]
    assert spans_over_bound(spans, 2.0, now=1.5) == []
    assert spans_over_bound(spans, 2.0, now=5.0) == ["a stuck call is still open after 5.0s, bound 2s"]
    assert gaps_over_bound([0.0, 1.0, 5.0, 5.5], 3.0, "decisions") == [
        "decisions: 4.0s without one (from 1.0 to 5.0), bound 3s"
    ]
