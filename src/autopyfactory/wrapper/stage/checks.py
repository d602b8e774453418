"""Node validation before the payload starts: free disk, available memory, CPUs, python version,
cvmfs repositories, proxy lifetime and site-defined check commands.

Every configured check runs (so the profile shows all problems at once); any failure stops the
wrapper with CHECK_FAILED and the bootstrap reports ``fault`` to the monitor."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from .exitcodes import USAGE, StageError
from .proxy import proxy_path, seconds_left

log = logging.getLogger("wrapper.checks")


@dataclass
class CheckConfig:
    """What the node checks require (free disk, memory, CPUs ...)."""

    disk_mb: float | None = None  # free MB in the work directory
    memory_mb: float | None = None  # MemAvailable MB
    cpus: int | None = None  # CPUs this process may use
    python: str | None = None  # minimum version, "3.8"
    cvmfs: tuple[str, ...] = ()  # repositories that must be mounted
    cvmfs_root: str = "/cvmfs"
    proxy_hours: float | None = None  # minimum proxy lifetime left
    commands: tuple[str, ...] = ()  # shell commands that must exit 0
    timeout: float = 60.0  # per cvmfs probe and per command

    def enabled(self) -> bool:
        return any(
            v not in (None, ())
            for v in (self.disk_mb, self.memory_mb, self.cpus, self.python, self.cvmfs, self.proxy_hours)
        ) or bool(self.commands)


@dataclass
class CheckResult:
    """One node check: its name, whether it passed, and what it found."""

    name: str
    ok: bool
    detail: str
    value: object = None
    required: object = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def meminfo(path: str = "/proc/meminfo") -> dict[str, int]:
    """/proc/meminfo in kB."""
    out: dict[str, int] = {}
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            for line in f:
                key, _, rest = line.partition(":")
                parts = rest.split()
                if parts and parts[0].isdigit():
                    out[key.strip()] = int(parts[0])
    except OSError:
        pass
    return out


def usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def parse_version(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(x) for x in text.strip().split("."))
    except ValueError:
        raise StageError(USAGE, f"python version must look like 3.8: {text!r}") from None


def check_disk(path: str, min_mb: float) -> CheckResult:
    free = shutil.disk_usage(path).free / 2**20
    return CheckResult("disk", free >= min_mb, f"{free:.0f} MB free in {path}", round(free), min_mb)


def check_memory(min_mb: float, info: Mapping[str, int] | None = None) -> CheckResult:
    info = meminfo() if info is None else info
    kb = info.get("MemAvailable", info.get("MemFree"))
    if kb is None:
        return CheckResult("memory", False, "cannot read available memory", None, min_mb)
    mb = kb / 1024
    return CheckResult("memory", mb >= min_mb, f"{mb:.0f} MB available", round(mb), min_mb)


def check_cpus(min_cpus: int, have: int | None = None) -> CheckResult:
    have = usable_cpus() if have is None else have
    return CheckResult("cpus", have >= min_cpus, f"{have} CPUs usable", have, min_cpus)


def check_python(minimum: str, version: tuple[int, ...] | None = None) -> CheckResult:
    version = tuple(sys.version_info[:3]) if version is None else version
    text = ".".join(str(x) for x in version)
    ok = version >= parse_version(minimum)
    return CheckResult("python", ok, f"python {text} ({sys.executable})", text, minimum)


def _listdir_within(path: str, timeout: float) -> list[str] | None:
    """os.listdir in a thread (an automount can hang); None on error or timeout."""
    result: list[list[str] | None] = [None]

    def probe() -> None:
        try:
            result[0] = os.listdir(path)
        except OSError:
            result[0] = None

    t = threading.Thread(target=probe, name=f"cvmfs-probe-{path}", daemon=True)
    t.start()
    t.join(timeout)
    return None if t.is_alive() else result[0]


def check_cvmfs(repos: tuple[str, ...], root: str = "/cvmfs", timeout: float = 60.0) -> list[CheckResult]:
    out = []
    for repo in repos:
        path = os.path.join(root, repo)
        entries = _listdir_within(path, timeout)
        ok = bool(entries)
        detail = f"{path}: {len(entries)} entries" if entries else f"{path}: not mounted or empty"
        out.append(CheckResult(f"cvmfs:{repo}", ok, detail, ok, True))
    return out


def check_proxy(min_hours: float, env: Mapping[str, str]) -> CheckResult:
    path = proxy_path(env)
    if path is None:
        return CheckResult("proxy", False, "no proxy ($X509_USER_PROXY unset)", None, min_hours)
    left = seconds_left(path)
    if left is None:
        return CheckResult("proxy", False, f"cannot read the proxy {path}", None, min_hours)
    hours = left / 3600
    return CheckResult(
        "proxy", hours >= min_hours, f"{hours:.1f} h left on {path}", round(hours, 2), min_hours
    )


def check_command(command: str, cwd: str, timeout: float) -> CheckResult:
    name = f"command:{command}"
    try:
        proc = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return CheckResult(name, False, f"timed out after {timeout:.0f}s", None, 0)
    except OSError as exc:
        return CheckResult(name, False, f"cannot run: {exc}", None, 0)
    tail = proc.stdout.decode("utf-8", "replace").strip().splitlines()[-3:]
    detail = f"exit {proc.returncode}" + (": " + " | ".join(tail) if tail else "")
    return CheckResult(name, proc.returncode == 0, detail, proc.returncode, 0)


@dataclass
class CheckReport:
    """Every node check's result."""

    results: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]


def run_checks(config: CheckConfig, workdir: str, env: Mapping[str, str]) -> CheckReport:
    report = CheckReport()
    add = report.results.append
    if config.disk_mb is not None:
        add(check_disk(workdir, config.disk_mb))
    if config.memory_mb is not None:
        add(check_memory(config.memory_mb))
    if config.cpus is not None:
        add(check_cpus(config.cpus))
    if config.python:
        add(check_python(config.python))
    if config.cvmfs:
        report.results.extend(check_cvmfs(config.cvmfs, config.cvmfs_root, config.timeout))
    if config.proxy_hours is not None:
        add(check_proxy(config.proxy_hours, env))
    for command in config.commands:
        add(check_command(command, workdir, config.timeout))
    for r in report.results:
        (log.info if r.ok else log.error)("check %s: %s: %s", r.name, "ok" if r.ok else "FAILED", r.detail)
    return report
