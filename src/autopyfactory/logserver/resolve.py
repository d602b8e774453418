"""From a request path to a file or directory inside ``baseLogDir``, or the HTTP status that says why not.

Links inside the tree are followed as long as they end inside the root; the opened descriptor is
checked again (its real path via ``/proc/self/fd``, and its type with ``fstat``), so a link swapped in
between the check and the open cannot lead outside, and nothing but regular files and directories
is ever read. Files are opened non-blocking: a FIFO, device or socket never holds a thread."""

from __future__ import annotations

import errno
import os
import stat
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus

PATH_MAX = 4095  # bytes, without the terminating NUL
NAME_MAX = 255  # bytes per path component
OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC


class Refused(Exception):
    """The request cannot be served; ``status`` is the answer."""

    def __init__(self, status: HTTPStatus, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Opened:
    """An open regular file or directory inside the root (the caller closes ``fd``)."""

    fd: int
    path: str  # its real path
    is_dir: bool
    size: int
    mtime: float


def url_path(raw: str) -> str:
    """The decoded path part of a request target."""
    return urllib.parse.unquote(urllib.parse.urlsplit(raw).path, errors="surrogateescape")


def _check_lengths(rel: str) -> None:
    encoded = os.fsencode(rel)
    if b"\0" in encoded:
        raise Refused(HTTPStatus.NOT_FOUND, "File not found")
    if len(encoded) > PATH_MAX or any(len(part) > NAME_MAX for part in encoded.split(b"/")):
        raise Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "Path too long")


def _inside(root: str, path: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def open_inside(root: str, rel: str) -> Opened:
    """Open ``root/rel`` (``root`` is already a real path). Raises :class:`Refused`."""
    _check_lengths(rel)
    try:
        target = os.path.realpath(os.path.join(root, rel.lstrip("/")), strict=True)
        if not _inside(root, target):
            raise Refused(HTTPStatus.NOT_FOUND, "File not found")
        st = os.stat(target)
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)):
            raise Refused(HTTPStatus.NOT_FOUND, "File not found")
        fd = os.open(target, OPEN_FLAGS)
    except OSError as exc:
        raise _refusal(exc) from None
    try:
        st = os.fstat(fd)
        real = os.readlink(f"/proc/self/fd/{fd}")
        if not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode)) or not _inside(root, real):
            raise Refused(HTTPStatus.NOT_FOUND, "File not found")
    except OSError as exc:
        os.close(fd)
        raise _refusal(exc) from None
    except Refused:
        os.close(fd)
        raise
    return Opened(fd, real, stat.S_ISDIR(st.st_mode), st.st_size, st.st_mtime)


def _refusal(exc: OSError) -> Refused:
    if exc.errno == errno.ENAMETOOLONG:
        return Refused(HTTPStatus.REQUEST_URI_TOO_LONG, "Path too long")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return Refused(HTTPStatus.FORBIDDEN, "Permission denied")
    # ENOENT, ELOOP (a link loop), ENOTDIR, ENXIO (a socket), anything else: not a servable file
    return Refused(HTTPStatus.NOT_FOUND, "File not found")
