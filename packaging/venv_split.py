"""Split one private Python environment between packages, by what each extra needs.

The environment is resolved and installed once (``autopyfactory[monitor,postgres,htcondor]``), so
every package gets the same versions. Each installed distribution then belongs to exactly one
package: to ``common`` when the core needs it (or when two extras need it), otherwise to the one
extra's package that needs it. Its files are the ones its ``RECORD`` lists; a file of the
environment that no distribution records is an error, so nothing is shipped twice or lost (byte
code in ``__pycache__`` goes with its source)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from email.parser import Parser
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Dist:
    """One installed distribution: its name, requirements and files (relative to site-packages)."""

    name: str
    version: str
    requires: tuple[Requirement, ...]
    files: tuple[str, ...]


def read_site(site: Path) -> dict[str, Dist]:
    """Every distribution installed in ``site`` (a site-packages directory), by canonical name."""
    out: dict[str, Dist] = {}
    for info in sorted(site.glob("*.dist-info")):
        meta = Parser().parsestr((info / "METADATA").read_text(encoding="utf-8"))
        files: list[str] = []
        with (info / "RECORD").open(newline="", encoding="utf-8") as fh:
            for row in csv.reader(fh):
                if row and not row[0].startswith(".."):  # console scripts: not shipped
                    files.append(row[0])
        name = canonical(meta["Name"])
        out[name] = Dist(
            name,
            meta["Version"],
            tuple(Requirement(r) for r in meta.get_all("Requires-Dist") or ()),
            tuple(files),
        )
    return out


@dataclass
class Split:
    """Which package each distribution, and so each file, belongs to."""

    owner: dict[str, str] = field(default_factory=dict)  # distribution -> package
    files: dict[str, list[str]] = field(default_factory=dict)  # package -> files

    def dists(self, package: str) -> list[str]:
        return sorted(d for d, p in self.owner.items() if p == package)


def closure(dists: Mapping[str, Dist], root: str, extras: Iterable[str], env: Mapping[str, str]) -> set[str]:
    """``root`` with ``extras`` and everything they require, for the target ``env``."""
    names: set[str] = set()
    done: set[tuple[str, frozenset[str]]] = set()
    todo: list[tuple[str, frozenset[str]]] = [(canonical(root), frozenset(extras))]
    while todo:
        item = todo.pop()
        if item in done:
            continue
        done.add(item)
        name, wanted = item
        names.add(name)
        dist = dists.get(name)
        if dist is None:
            raise LookupError(f"{name} is required but not installed")
        for req in dist.requires:
            if req.marker is None or any(
                req.marker.evaluate({**env, "extra": extra}) for extra in ("", *sorted(wanted))
            ):
                todo.append((canonical(req.name), frozenset(req.extras)))
    return names


def target_environment(python: str = "3.11", machine: str = "x86_64") -> dict[str, str]:
    """PEP 508 marker values of the target interpreter (a CPython on Linux)."""
    env = dict(default_environment())
    env.update(
        python_version=python,
        python_full_version=f"{python}.0",
        implementation_name="cpython",
        platform_python_implementation="CPython",
        sys_platform="linux",
        os_name="posix",
        platform_system="Linux",
        platform_machine=machine,
    )
    return env


def split_site(
    site: Path,
    root: str,
    packages: Mapping[str, tuple[str, ...]],
    env: Mapping[str, str],
    common: str = "common",
) -> Split:
    """Assign every distribution of ``site`` to ``common`` or to one of ``packages`` (package ->
    the extras of ``root`` it ships), then every file of ``site`` to its distribution's package."""
    dists = read_site(site)
    core = closure(dists, root, (), env)
    needed_by: dict[str, list[str]] = {}
    for package, extras in packages.items():
        for name in closure(dists, root, extras, env) - core:
            needed_by.setdefault(name, []).append(package)
    result = Split()
    for name in dists:
        users = needed_by.get(name, [])
        if name in core or len(users) != 1:
            result.owner[name] = common
        else:
            result.owner[name] = users[0]
    unused = sorted(n for n in dists if n not in core and n not in needed_by)
    if unused:
        raise ValueError(f"installed but required by nothing shipped: {', '.join(unused)}")
    owned: dict[str, str] = {}
    for name, dist in dists.items():
        for f in dist.files:
            owned[f] = result.owner[name]
    for path in sorted(p for p in site.rglob("*") if not p.is_dir()):
        if "__pycache__" in path.parts:
            continue  # byte-code goes with its source
        rel = path.relative_to(site).as_posix()
        package = owned.get(rel)
        if package is None:
            raise ValueError(f"{rel} belongs to no installed distribution")
        result.files.setdefault(package, []).append(rel)
    return result
