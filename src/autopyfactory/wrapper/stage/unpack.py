"""Unpacking tarballs without letting any member land outside the destination.

Refused: absolute names, ``..`` components, links pointing outside, device and FIFO members, and
members whose parent directory (through a link extracted earlier) resolves outside."""

from __future__ import annotations

import os
import posixpath
import tarfile

from .exitcodes import PILOTCODE, StageError


def is_tarball(path: str) -> bool:
    try:
        return tarfile.is_tarfile(path)
    except OSError:
        return False


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root + os.sep)


def _check_name(name: str) -> str:
    norm = posixpath.normpath(name)
    if name.startswith("/") or os.path.isabs(name) or norm == ".." or norm.startswith("../"):
        raise StageError(PILOTCODE, f"unsafe path in tarball: {name!r}")
    if ".." in name.split("/"):
        raise StageError(PILOTCODE, f"unsafe path in tarball: {name!r}")
    return norm


def check_member(member: tarfile.TarInfo, root: str) -> None:
    """Raise StageError unless ``member`` stays inside ``root`` (an absolute, resolved path)."""
    name = _check_name(member.name)
    if member.isdev() or member.isfifo():
        raise StageError(PILOTCODE, f"device or FIFO in tarball: {member.name!r}")
    if member.issym():
        if member.linkname.startswith("/"):
            raise StageError(
                PILOTCODE, f"absolute symlink in tarball: {member.name!r} -> {member.linkname!r}"
            )
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), member.linkname))
        # lexically, then through the links already extracted (a link to ".." inside a link to "..")
        resolved = os.path.realpath(os.path.join(root, os.path.dirname(name), member.linkname))
        if target == ".." or target.startswith("../") or not _inside(root, resolved):
            raise StageError(PILOTCODE, f"symlink out of the tarball: {member.name!r} -> {member.linkname!r}")
    elif member.islnk():
        _check_name(member.linkname)
        if not _inside(root, os.path.realpath(os.path.join(root, member.linkname))):
            raise StageError(
                PILOTCODE, f"hard link out of the tarball: {member.name!r} -> {member.linkname!r}"
            )
    parent = os.path.realpath(os.path.join(root, os.path.dirname(name)))
    if not _inside(root, parent):
        raise StageError(PILOTCODE, f"tarball member escapes through a link: {member.name!r}")


def safe_extract(path: str, dest: str) -> list[str]:
    """Extract tarball ``path`` into ``dest``; the member names. Raises StageError(PILOTCODE)."""
    os.makedirs(dest, exist_ok=True)
    root = os.path.realpath(dest)
    names: list[str] = []
    try:
        with tarfile.open(path) as tar:
            for member in tar:
                check_member(member, root)
                if hasattr(tarfile, "data_filter"):
                    tar.extract(member, root, filter="data")
                else:  # Python < 3.12 (and unpatched older ones): our checks above are the filter
                    tar.extract(member, root)
                names.append(member.name)
    except (tarfile.TarError, OSError) as exc:
        raise StageError(PILOTCODE, f"cannot unpack {os.path.basename(path)}: {exc}") from None
    return names
