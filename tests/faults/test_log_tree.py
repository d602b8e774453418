"""Hostile files in the pilot log tree (pilots run as the factory user with their working
directory there, so they can plant anything): links named like date directories pointing outside,
links deeper down, FIFOs, link loops, over-long paths. Nothing outside baseLogDir is deleted or
blocked, the cleaner still cleans what it should, and the log server answers every request with an
HTTP status."""

from __future__ import annotations

import os
import signal
import socket
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults import bounds
from tests.faults.confs import FaultDirs, factory_keys, free_port, local_queue, write_factory, write_queues
from tests.faults.factoryproc import FactoryProcess
from tests.faults.tally import Scenario
from tests.invariants.filesystem import changes, make_fifo, make_file, make_link, snapshot
from tests.invariants.timing import NotReached, wait_for

pytestmark = [pytest.mark.faults, pytest.mark.slow]

Launch = Callable[..., FactoryProcess]
Q = "FAULTS_LOG"
ANSWER_BOUND = 5.0  # a log server request, FIFO or not, is answered within this
SECRET = "outside secret\n"


def plant(dirs: FaultDirs, today: str) -> dict[str, str]:
    """The hostile tree; returns request paths worth asking the log server for, by what they are."""
    out, logs = dirs.outside, dirs.logs
    for v in ("victim_a/sub1", "victim_a/sub2", "victim_b", "victim_c"):
        make_file(out / v / "keep.txt")
    make_file(out / "secret.txt", SECRET)
    make_fifo(out / "fifo")
    make_link(logs / "1999-01-01", out / "victim_a")  # a date directory that is a link outside
    make_link(logs / "1999-01-02" / Q, out / "victim_b")  # a queue directory that is a link outside
    make_link(logs / "1999-01-03" / Q / "inner", out / "victim_c")  # deeper
    make_link(logs / "1999-01-03" / Q / "up", "../../..")  # a relative way out
    make_link(logs / "1999-01-04", "1999-01-04")  # a loop named like a date
    make_fifo(logs / "1999-01-05")  # a FIFO named like a date
    make_fifo(logs / "1999-01-06" / Q / "pilot.out")  # a FIFO in an expired directory
    make_file(logs / "2000-01-01" / Q / "old.out")  # really expired: must go
    hostile = logs / today / "hostile"
    make_fifo(hostile / "fifo.out")
    make_link(hostile / "loop", "loop")
    make_link(hostile / "a", "b")
    make_link(hostile / "b", "a")
    make_link(hostile / "outfifo", out / "fifo")
    make_link(hostile / "secret.out", out / "secret.txt")
    deep = _deep_dirs(hostile, "d" * 200, 24)  # a real path longer than PATH_MAX
    return {
        "fifo": f"/{today}/hostile/fifo.out",
        "loop": f"/{today}/hostile/loop",
        "loop a->b->a": f"/{today}/hostile/a",
        "link to an outside fifo": f"/{today}/hostile/outfifo",
        "link to an outside file": f"/{today}/hostile/secret.out",
        "date link outside": "/1999-01-01/sub1/keep.txt",
        "date link loop": "/1999-01-04/",
        "listing with hostile entries": f"/{today}/hostile/",
        "path longer than PATH_MAX": deep,
        "over-long name": "/" + "x" * 6000,
        "NUL byte": "/%00",
        "dot-dot": "/../../../../etc/passwd",
    }


def _deep_dirs(base: Path, name: str, depth: int) -> str:
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(depth):
            os.mkdir(name, dir_fd=fd)
            nfd = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = nfd
    finally:
        os.close(fd)
    rel = base.relative_to(base.parent.parent)
    return "/" + str(rel) + ("/" + name) * depth + "/"


def ask(port: int, path: str, timeout: float = ANSWER_BOUND) -> tuple[int | None, bytes, float]:
    """(HTTP status or None, body start, seconds) of ``GET path`` on a raw socket."""
    t0 = time.monotonic()
    data = b""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(f"GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n".encode())
            while len(data) < 65536:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    except OSError:
        pass
    took = time.monotonic() - t0
    head = data.split(b"\r\n", 1)[0].split()
    status = int(head[1]) if len(head) > 1 and head[0].startswith(b"HTTP/") and head[1].isdigit() else None
    return status, data.split(b"\r\n\r\n", 1)[-1][:2000], took


def test_hostile_log_tree(dirs: FaultDirs, launch: Launch, seed: int, scenario: Scenario) -> None:
    port = free_port()
    today = time.strftime("%Y-%m-%d", time.gmtime())
    paths = plant(dirs, today)
    outside_before = snapshot(dirs.outside)
    write_factory(
        dirs,
        factory_keys(dirs, **{"logserver.enabled": "True", "baseLogDirUrl": f"http://127.0.0.1:{port}"}),
    )
    write_queues(dirs, local_queue(dirs, Q, seed, activated=2, maxtorun=2, duration=(0.2, 0.2)))
    fp = launch("--queue-sleep", "0.5", log="logtree")
    fp.wait_decisions(Q, 1, bounds.START)

    scenario.step("log cleaning with hostile links and FIFOs")
    try:
        wait_for(lambda: not (dirs.logs / "2000-01-01" / Q).exists(), 10, "the expired directory is cleaned")
    except NotReached:
        scenario.check(["the log cleaner did not remove an expired directory (2000-01-01) within 10s"])

    for what, path in paths.items():
        scenario.step(f"log server: {what}")
        status, body, took = ask(port, path)
        if status is None:
            scenario.check([f"GET {path[:80]} ({what}) got no HTTP status in {took:.1f}s"])
        elif SECRET.encode() in body or b"root:" in body or (what == "date link outside" and status == 200):
            scenario.check([f"GET {path[:80]} ({what}) served a file outside baseLogDir ({status})"])
        elif what.startswith("listing") and status != 200:
            scenario.check([f"GET {path[:80]} ({what}) answered {status}, not a listing"])
        elif not what.startswith("listing") and not 400 <= status < 500:
            scenario.check([f"GET {path[:80]} ({what}) answered {status}, not a client error (4xx)"])

    scenario.step("nothing outside baseLogDir deleted, changed or replaced")
    scenario.check(changes(outside_before, snapshot(dirs.outside), "outside baseLogDir"))

    scenario.step("log server: 20 concurrent requests for a FIFO")
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda _: ask(port, paths["fifo"]), range(20)))
    silent = [a for a in answers if a[0] is None]
    scenario.check(
        [f"{len(silent)} of 20 concurrent requests for a FIFO got no HTTP status"] if silent else []
    )

    scenario.step("log server still serves pilot logs")
    status, _, _ = ask(port, f"/{today}/{Q}/")
    scenario.check(
        [] if status == 200 else [f"GET /{today}/{Q}/ answered {status} after the hostile requests"]
    )

    scenario.step("baseLogDir changed on reload: the log server and the cleaner follow it")
    moved = dirs.root / "logs2"
    make_file(moved / today / Q / "moved.out", "served from the new baseLogDir\n")
    make_file(moved / "2000-01-01" / Q / "old.out")
    write_factory(
        dirs,
        factory_keys(dirs, **{
            "logserver.enabled": "True", "baseLogDirUrl": f"http://127.0.0.1:{port}", "baseLogDir": moved,
        }),
    )  # fmt: skip
    t = time.time()
    fp.send(signal.SIGHUP)
    fp.wait_decisions(Q, 2, 20, since=t)
    try:
        wait_for(lambda: b"new baseLogDir" in ask(port, f"/{today}/{Q}/moved.out")[1], 10, "served")
    except NotReached:
        scenario.check(["the log server does not serve the new baseLogDir 10s after the reload"])
    try:
        wait_for(lambda: not (moved / "2000-01-01" / Q).exists(), 10, "cleaned")
    except NotReached:
        scenario.check(["the log cleaner did not clean the new baseLogDir within 10s of the reload"])

    scenario.step("the factory keeps cycling and stops on SIGTERM")
    fp.wait_decisions(Q, 2, 15, since=time.time())
    scenario.check(fp.sigterm(bounds.SIGTERM_EXIT, bounds.SLACK))
    scenario.assert_clean()
