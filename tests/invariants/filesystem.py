"""Filesystem snapshots taken without following links, to prove nothing outside a directory was
deleted, changed or replaced (a FIFO stays a FIFO, a link keeps its target, a file its content)."""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str  # dir, file, link, fifo, other
    size: int
    detail: str  # file: sha256 of the content; link: its target


def _entry(path: Path, st: os.stat_result) -> Entry:
    if stat.S_ISLNK(st.st_mode):
        return Entry("link", 0, os.readlink(path))
    if stat.S_ISDIR(st.st_mode):
        return Entry("dir", 0, "")
    if stat.S_ISFIFO(st.st_mode):
        return Entry("fifo", 0, "")
    if stat.S_ISREG(st.st_mode):
        return Entry("file", st.st_size, hashlib.sha256(path.read_bytes()).hexdigest())
    return Entry("other", 0, "")


def snapshot(root: Path) -> dict[str, Entry]:
    """Every entry under ``root`` (relative path -> Entry), links not followed, FIFOs not opened."""
    out: dict[str, Entry] = {".": _entry(root, root.lstat())}
    stack = [root]
    while stack:
        d = stack.pop()
        with os.scandir(d) as it:
            for e in it:
                p = Path(e.path)
                st = p.lstat()
                out[str(p.relative_to(root))] = _entry(p, st)
                if stat.S_ISDIR(st.st_mode):
                    stack.append(p)
    return out


def changes(before: dict[str, Entry], after: dict[str, Entry], where: str) -> list[str]:
    """Violations: entries of ``before`` deleted or changed in ``after`` (new entries are fine)."""
    out: list[str] = []
    for rel, e in sorted(before.items()):
        now = after.get(rel)
        if now is None:
            out.append(f"{where}/{rel} ({e.kind}) was deleted")
        elif now != e:
            out.append(f"{where}/{rel} changed: {e.kind} -> {now.kind}")
    return out


def make_fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def make_link(path: Path, target: Path | str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.symlink(target, path)
    return path


def make_file(path: Path, text: str = "keep me\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
