"""Log cleaning never follows a link and never deletes outside baseLogDir: links planted anywhere in
the tree (at the date level, the queue level, deep inside a queue's directory, pointing at parents)
and directories swapped for links while the cleaner works."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from autopyfactory.logserver.cleanlogs import clean_logs

TODAY = dt.date(2026, 11, 21)
OLD = "2026-01-01"  # far older than any keepdays used here


def _precious(where: Path) -> Path:
    """A tree outside baseLogDir that must survive: subdirectories with files in them."""
    for sub in ("a", "b/c", "Q"):
        (where / sub).mkdir(parents=True, exist_ok=True)
        (where / sub / "data.txt").write_text("keep me\n")
    return where


def _inventory(where: Path) -> list[str]:
    return sorted(str(p.relative_to(where)) for p in where.rglob("*"))


def _keep(days: int) -> Callable[[str], int | None]:
    return lambda q: days


@pytest.fixture
def base(tmp_path: Path) -> Path:
    b = tmp_path / "logs"
    (b / OLD / "Q").mkdir(parents=True)
    (b / OLD / "Q" / "1.0.out").write_text("old pilot\n")
    return b


def test_a_date_named_link_in_base_log_dir_is_not_followed(tmp_path: Path, base: Path) -> None:
    elsewhere = _precious(tmp_path / "elsewhere")
    before = _inventory(elsewhere)
    (base / "1999-01-01").symlink_to(elsewhere)
    clean_logs(base, _keep(3), TODAY)
    assert _inventory(elsewhere) == before
    assert not (base / OLD).exists()  # real old logs are still cleaned


def test_a_date_named_link_to_a_parent_deletes_nothing_around_base_log_dir(
    tmp_path: Path, base: Path
) -> None:
    sibling = _precious(tmp_path / "sibling")
    before = _inventory(sibling)
    (base / "1999-01-02").symlink_to("..")
    (base / "1999-01-03").symlink_to(tmp_path)
    clean_logs(base, _keep(3), TODAY)
    assert _inventory(sibling) == before
    assert base.is_dir()


def test_links_at_the_queue_level_and_deep_in_a_queue_directory_are_never_followed(
    tmp_path: Path, base: Path
) -> None:
    elsewhere = _precious(tmp_path / "elsewhere")
    before = _inventory(elsewhere)
    qdir = base / OLD / "Q"
    (qdir / "work" / "deeper").mkdir(parents=True)
    (qdir / "work" / "to-elsewhere").symlink_to(elsewhere)
    (qdir / "work" / "deeper" / "to-file").symlink_to(elsewhere / "a" / "data.txt")
    (qdir / "work" / "up").symlink_to("../../..")
    (qdir / "work" / "dangling").symlink_to(tmp_path / "nothing")
    os.mkfifo(qdir / "work" / "fifo")
    with socket.socket(socket.AF_UNIX) as s:
        s.bind(str(qdir / "work" / "sock"))
    (base / OLD / "LINKQ").symlink_to(elsewhere)
    removed = clean_logs(base, _keep(3), TODAY)
    assert _inventory(elsewhere) == before
    assert not qdir.exists()  # the queue directory went, its links with it (not their targets)
    assert base / OLD / "Q" in removed
    assert (base / OLD / "LINKQ").is_symlink()  # a link where a queue directory belongs is left alone


def test_a_date_directory_swapped_for_a_link_while_cleaning_is_not_followed(
    tmp_path: Path, base: Path
) -> None:
    """The swap happens between the cleaner's look at the directory and its deletion."""
    elsewhere = _precious(tmp_path / "elsewhere")
    before = _inventory(elsewhere)
    day = base / OLD

    def swap_then_keep(queue: str) -> int:
        day.rename(base / "moved-away")
        day.symlink_to(elsewhere)  # elsewhere/Q looks just like the queue directory being cleaned
        return 3

    clean_logs(base, swap_then_keep, TODAY)
    assert _inventory(elsewhere) == before


def test_a_queue_directory_swapped_for_a_link_while_cleaning_is_not_followed(
    tmp_path: Path, base: Path
) -> None:
    elsewhere = _precious(tmp_path / "elsewhere")
    before = _inventory(elsewhere)
    qdir = base / OLD / "Q"

    def swap_then_keep(queue: str) -> int:
        qdir.rename(base / OLD / "Q.moved")
        qdir.symlink_to(elsewhere)
        return 3

    clean_logs(base, swap_then_keep, TODAY)
    assert _inventory(elsewhere) == before


FLIPPER = """
import os, sys, time
target, elsewhere, stop = sys.argv[1], sys.argv[2], sys.argv[3]
while not os.path.exists(stop):
    for make in ("dir", "link"):
        try:
            if os.path.islink(target) or os.path.isfile(target):
                os.unlink(target)
            elif os.path.isdir(target):
                os.rmdir(target)
        except OSError:
            pass
        try:
            os.mkdir(target) if make == "dir" else os.symlink(elsewhere, target)
        except OSError:
            pass
"""


def test_directories_flipping_to_links_during_cleaning_never_lead_outside(tmp_path: Path) -> None:
    """A real process keeps replacing a directory deep in old logs with a link to a precious tree
    while the cleaner runs again and again over freshly written old logs."""
    elsewhere = _precious(tmp_path / "elsewhere")
    before = _inventory(elsewhere)
    base = tmp_path / "logs"
    stop = tmp_path / "stop"
    qdir = base / OLD / "Q"
    qdir.mkdir(parents=True)
    flipper = subprocess.Popen([sys.executable, "-c", FLIPPER, str(qdir / "w"), str(elsewhere), str(stop)])
    try:
        for _ in range(150):
            for sub in ("x/y", "z"):
                (qdir / sub).mkdir(parents=True, exist_ok=True)
                (qdir / sub / "f.out").write_text("log\n")
            clean_logs(base, _keep(3), TODAY)
            assert _inventory(elsewhere) == before
    finally:
        stop.touch()
        flipper.wait(30)
    assert _inventory(elsewhere) == before
