"""Deleting a directory tree without ever following a link.

Every step works relative to a directory file descriptor opened with ``O_NOFOLLOW``: a name is
looked up once, in the directory already held open, and never resolved again as a path. A link met
anywhere (or a directory swapped for a link at any moment) is removed as an entry of the directory
being emptied; its target is never opened, listed or deleted. Directories on another filesystem
(mount points) are not entered."""

from __future__ import annotations

import errno
import logging
import os

log = logging.getLogger(__name__)

DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
MAX_DEPTH = 200  # deeper trees are left in place (and logged) rather than exhausting descriptors
_NOT_A_DIR = (errno.ELOOP, errno.ENOTDIR, errno.ENOENT)


def open_dir_at(parent_fd: int, name: str) -> int | None:
    """A descriptor of the real directory ``name`` in ``parent_fd``; None when ``name`` is a link,
    not a directory, or gone."""
    try:
        return os.open(name, DIR_FLAGS, dir_fd=parent_fd)
    except OSError as exc:
        if exc.errno in _NOT_A_DIR:
            return None
        raise


def remove_tree_at(parent_fd: int, name: str, device: int) -> bool:
    """Remove the directory ``name`` of ``parent_fd`` and everything in it. False (nothing done to
    ``name`` itself) when it is not a real directory on ``device``, or could not be emptied."""
    fd = open_dir_at(parent_fd, name)
    if fd is None:
        return False
    try:
        if os.fstat(fd).st_dev != device:
            log.warning("cleanlogs: %s is on another filesystem; not entered", name)
            return False
        emptied = _empty(fd, device, 1)
    finally:
        os.close(fd)
    if not emptied:
        return False
    try:
        os.rmdir(name, dir_fd=parent_fd)
    except OSError as exc:
        # swapped for a link (ENOTDIR), refilled meanwhile (ENOTEMPTY), gone: not ours to force
        log.debug("cleanlogs: %s not removed: %s", name, exc.strerror)
        return False
    return True


def _empty(fd: int, device: int, depth: int) -> bool:
    """Delete every entry of the directory ``fd``; True when all of them went."""
    if depth > MAX_DEPTH:
        log.warning("cleanlogs: directory tree deeper than %d levels left in place", MAX_DEPTH)
        return False
    complete = True
    for name in os.listdir(fd):
        try:
            child = open_dir_at(fd, name)
        except OSError as exc:  # e.g. a directory without read permission: left in place
            log.warning("cleanlogs: cannot open %s: %s", name, exc.strerror)
            complete = False
            continue
        if child is None:
            complete &= _unlink_at(fd, name)
            continue
        try:
            if os.fstat(child).st_dev != device:
                log.warning("cleanlogs: %s is on another filesystem; not entered", name)
                complete = False
                continue
            done = _empty(child, device, depth + 1)
        finally:
            os.close(child)
        if done:
            try:
                os.rmdir(name, dir_fd=fd)
            except FileNotFoundError:
                pass
            except OSError:
                complete = False
        else:
            complete = False
    return complete


def _unlink_at(fd: int, name: str) -> bool:
    """Remove a non-directory entry (file, link, FIFO, socket); a link's target is never touched."""
    try:
        os.unlink(name, dir_fd=fd)
    except FileNotFoundError:
        pass
    except OSError:  # became a directory since it was looked at: left for the next pass
        return False
    return True
