"""The node profile: what the worker node looked like when the wrapper started, as JSON in the
log directory (``<APFCID>.profile.json``), with the check results added."""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import socket
import sys
import time
from collections.abc import Mapping
from typing import Any

from .checks import meminfo, usable_cpus
from .proxy import proxy_path, seconds_left

ENV_PREFIXES = (
    "APF", "PANDA", "GTAG", "FACTORY", "OSG_", "GLIDEIN", "SLURM_JOB", "PBS_JOB", "LSB_JOB", "BATCH_",
    "SINGULARITY_NAME", "APPTAINER_NAME", "X509_USER_PROXY", "X509_CERT_DIR", "TMPDIR", "HOME", "PATH",
    "_CONDOR_JOB", "_CONDOR_SLOT",
)  # fmt: skip
SECRET = re.compile(r"TOKEN|SECRET|PASSW|KEY|CRED", re.IGNORECASE)
RLIMITS = (
    "RLIMIT_AS",
    "RLIMIT_CPU",
    "RLIMIT_DATA",
    "RLIMIT_FSIZE",
    "RLIMIT_NOFILE",
    "RLIMIT_NPROC",
    "RLIMIT_STACK",
)


def os_release(path: str = "/etc/os-release") -> dict[str, str]:
    out: dict[str, str] = {}
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                key, sep, value = line.strip().partition("=")
                if sep:
                    out[key] = value.strip().strip('"')
    except OSError:
        pass
    return out


def cpu_model(path: str = "/proc/cpuinfo") -> str:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def _cgroup_memory_max() -> int | None:
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:
            return int(text)
        return None
    return None


def _limits() -> dict[str, Any]:
    try:
        import resource
    except ImportError:
        return {}
    out: dict[str, Any] = {}
    for name in RLIMITS:
        rl = getattr(resource, name, None)
        if rl is None:
            continue
        soft, hard = resource.getrlimit(rl)
        out[name[7:].lower()] = [
            None if v == resource.RLIM_INFINITY else v for v in (soft, hard)
        ]  # None: unlimited
    return out


def _disk(path: str) -> dict[str, Any]:
    try:
        du = shutil.disk_usage(path)
    except OSError:
        return {"path": path, "error": "not accessible"}
    return {"path": path, "total_mb": du.total // 2**20, "free_mb": du.free // 2**20}


def selected_env(env: Mapping[str, str]) -> dict[str, str]:
    """Environment variables useful for debugging, never ones that look like secrets."""
    return {k: v for k, v in sorted(env.items()) if k.startswith(ENV_PREFIXES) and not SECRET.search(k)}


def collect(workdir: str, logdir: str, env: Mapping[str, str], wrapper: Mapping[str, Any]) -> dict[str, Any]:
    mem = meminfo()
    rel = os_release()
    proxy = proxy_path(env)
    cgroup = _cgroup_memory_max()
    try:
        load: list[float] | None = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {
        "profile_version": 1,
        "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "wrapper": dict(wrapper),
        "host": {"hostname": socket.gethostname()},
        "user": {"uid": os.getuid(), "gid": os.getgid(), "name": env.get("USER") or env.get("LOGNAME")},
        "os": {
            "name": rel.get("PRETTY_NAME") or platform.platform(),
            "id": rel.get("ID"),
            "version_id": rel.get("VERSION_ID"),
            "kernel": platform.release(),
            "machine": platform.machine(),
        },
        "cpu": {
            "online": os.cpu_count(),
            "usable": usable_cpus(),
            "model": cpu_model(),
            "loadavg": load,
        },
        "memory_mb": {
            "total": mem.get("MemTotal", 0) // 1024,
            "available": mem.get("MemAvailable", mem.get("MemFree", 0)) // 1024,
            "swap_total": mem.get("SwapTotal", 0) // 1024,
            "cgroup_limit": None if cgroup is None else cgroup // 2**20,
        },
        "disk": {"workdir": _disk(workdir), "logdir": _disk(logdir)},
        "limits": _limits(),
        "python": {"version": platform.python_version(), "executable": sys.executable},
        "proxy": {"path": proxy, "seconds_left": None if proxy is None else seconds_left(proxy)},
        "env": selected_env(env),
    }


def profile_path(logdir: str, env: Mapping[str, str]) -> str:
    name = env.get("APFCID") or f"pilot-{os.getpid()}"
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return os.path.join(logdir, f"{safe}.profile.json")


def write(path: str, profile: Mapping[str, Any]) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(profile, f, indent=2, sort_keys=True, default=str)
        f.write("\n")
    os.replace(tmp, path)
