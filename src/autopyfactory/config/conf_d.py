"""A ``conf.d`` directory read the standard UNIX way (``queues.d/``).

Every ``*.conf`` file is read, in lexical order of the file names' bytes (as ``LC_ALL=C ls`` and
``run-parts`` sort), so ``00-defaults.conf`` comes before ``10-site.conf`` whatever the locale.
Everything else is left alone: what package managers leave beside a configuration file on an
upgrade (``*.rpmnew``, ``*.rpmsave``, ``*.rpmorig``, ``*.dpkg-dist``, ``*.dpkg-old``, ...), hidden
files (``.#x.conf`` editor locks, ``.x.conf.swp``), backups (``x.conf~``, ``x.conf.bak``,
``x.conf.orig``) and any other name. A package-manager leftover is reported, since it usually
means an upgrade brought a new version of a file the administrator had edited; so is a ``*.conf``
that is not a readable regular file (a dangling symbolic link, a directory)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".conf"

# what dpkg, ucf and rpm leave beside a configuration file they did not overwrite (or removed)
PACKAGE_LEFTOVERS = (
    ".rpmnew",
    ".rpmsave",
    ".rpmorig",
    ".dpkg-dist",
    ".dpkg-old",
    ".dpkg-new",
    ".dpkg-tmp",
    ".dpkg-bak",
    ".dpkg-remove",
    ".ucf-dist",
    ".ucf-old",
    ".ucf-new",
)


@dataclass(frozen=True, slots=True)
class Skipped:
    """A file of the directory that is not read, and why the operator may want to know."""

    path: Path
    why: str
    hint: str


@dataclass(frozen=True, slots=True)
class ConfDir:
    """What a conf.d directory holds: the files read, in order, and the notable files skipped."""

    files: tuple[Path, ...]
    skipped: tuple[Skipped, ...]


def is_read(name: str) -> bool:
    """Whether a file of this name is read: ``*.conf``, not hidden."""
    return name.endswith(SUFFIX) and not name.startswith(".") and len(name) > len(SUFFIX)


def _leftover(name: str) -> str | None:
    for suffix in PACKAGE_LEFTOVERS:
        if name.endswith(suffix):
            return suffix
    return None


def list_conf_dir(path: Path) -> ConfDir:
    """The ``*.conf`` files of ``path`` in lexical byte order, and the files worth a warning."""
    files: list[Path] = []
    skipped: list[Skipped] = []
    for entry in sorted(os.scandir(path), key=lambda e: os.fsencode(e.name)):
        p = Path(entry.path)
        suffix = _leftover(entry.name)
        if suffix is not None and not entry.name.startswith("."):
            original = entry.name[: -len(suffix)]
            skipped.append(
                Skipped(
                    p,
                    f"ignored: a package manager left it ({suffix}) beside {original}",
                    f"compare it with {original}, merge what you need, then remove it",
                )
            )
            continue
        if not is_read(entry.name):
            continue
        if not entry.is_file():  # follows symbolic links
            what = "a symbolic link to no regular file" if entry.is_symlink() else "not a regular file"
            skipped.append(Skipped(p, f"ignored: {what}", "make it a readable queue file or remove it"))
            continue
        files.append(p)
    return ConfDir(tuple(files), tuple(skipped))
