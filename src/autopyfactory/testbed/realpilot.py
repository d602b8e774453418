"""The real PanDA pilot (pilot 3, PyPI's ``panda-pilot``) against the testbed.

``pip`` (the ordinary client) fetches the version's source distribution, which holds ``pilot.py``
(the installed package lacks it); ``pilot3_launch.py`` starts it. The pilot runs with:

- ``PILOT_NOKILL`` set (always: see ``pilot3_launch``);
- every URL it reads pointing at the testbed: the dispatcher (``--url``/``--port``, plain HTTP),
  queuedata (``--queuedata-url``), CRIC schedconfig (``LOCAL_AGIS_SCHEDCONF``), DDM endpoints
  (``--storagedata-url``); Rucio traces off;
- ``http_proxy``/``https_proxy`` set to a closed local port, with the testbed's host exempt, so
  anything the pilot might still try to reach elsewhere fails at once on this machine."""

from __future__ import annotations

import importlib.metadata
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from autopyfactory.testbed.protocol import trf_base

PACKAGE = "panda-pilot"
LAUNCHER = Path(__file__).with_name("pilot3_launch.py")
CLOSED_PROXY = "http://127.0.0.1:9"


class RealPilotError(RuntimeError):
    """The real PanDA pilot cannot be fetched or run."""


def default_cache() -> Path:
    """Where pilot sources are kept: ``$XDG_CACHE_HOME/autopyfactory/panda-pilot``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "autopyfactory" / "panda-pilot"


def installed_version() -> str | None:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        return None


def pilot_source(cache: Path, version: str | None = None) -> Path:
    """The directory with ``pilot.py`` of panda-pilot ``version`` (default: the installed one),
    downloaded once into ``cache``."""
    version = version or installed_version()
    if not version:
        raise RealPilotError(f"no {PACKAGE} version given and none installed (pip install {PACKAGE})")
    dest = cache / f"{PACKAGE}-{version}"
    if (dest / "pilot.py").is_file():
        return dest
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        cmd += ["--disable-pip-version-check", "-q", "-d", tmp, f"{PACKAGE}=={version}"]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        archives = list(Path(tmp).glob("*.tar.gz"))
        if r.returncode != 0 or not archives:
            raise RealPilotError(
                f"cannot download {PACKAGE}=={version}: {r.stderr.strip() or r.stdout.strip()}"
            )
        with tarfile.open(archives[0]) as tar:
            tar.extractall(tmp, filter="data")
        unpacked = next((p.parent for p in Path(tmp).glob("*/pilot.py")), None)
        if unpacked is None:
            raise RealPilotError(f"no pilot.py in {archives[0].name}")
        unpacked.rename(dest)
    return dest


def pilot_tarball(source: Path) -> bytes:
    """``pilot3.tar.gz``: the pilot tree under ``pilot3/`` with ``pilot3_launch.py`` beside
    ``pilot.py``, as a wrapper fetches pilot code (entry ``pilot3_launch.py``)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        tar.add(source, arcname="pilot3", filter=_no_bytecode)
        tar.add(LAUNCHER, arcname=f"pilot3/{LAUNCHER.name}")
    return buf.getvalue()


def _no_bytecode(info: tarfile.TarInfo) -> tarfile.TarInfo | None:
    return None if "__pycache__" in info.name or info.name.endswith(".pyc") else info


def pilot_arguments(server: str, label: str = "managed", max_getjob: int = 50) -> list[str]:
    """The pilot.py options that point the pilot at the testbed ``server`` (besides ``--url``, the
    queue and the work directory): generic user and workflow, queuedata and DDM endpoints from the
    testbed, no Rucio traces, no proxy check, stop at the first request that finds no job."""
    return [
        "--joblabel", label, "--pilot-user", "generic", "--workflow", "generic",
        "--queuedata-url", f"{server}/cache/schedconfig/{{pandaqueue}}.all.json",
        "--storagedata-url", f"{server}/cache/ddmendpoints.json",
        "--use-rucio-traces", "false", "--noproxyverification",
        "--getjobrequests", str(max_getjob), "--getjobfailures", "1",
    ]  # fmt: skip


def pilot_environment(server: str, queue: str = "") -> dict[str, str]:
    """The environment the pilot needs against the testbed: PILOT_NOKILL, its CRIC source, and
    proxies that keep anything else it might try on this machine."""
    host = urlsplit(server).hostname or "127.0.0.1"
    exempt = ",".join(dict.fromkeys([host, "127.0.0.1", "localhost", "::1"]))
    cric = f"{server}/cric/api/atlas/pandaqueue/query/?json" + (f"&pandaqueue={queue}" if queue else "")
    env = {"PILOT_NOKILL": "1", "LOCAL_AGIS_SCHEDCONF": cric, "no_proxy": exempt, "NO_PROXY": exempt}
    for key in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        env[key] = CLOSED_PROXY
    return env


@dataclass(frozen=True)
class PilotRun:
    """How to start the real PanDA pilot: its command line and environment."""

    argv: list[str]
    env: dict[str, str]


def pilot_run(
    source: Path,
    server: str,
    queue: str,
    workdir: Path,
    label: str = "managed",
    max_getjob: int = 50,
    extra: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> PilotRun:
    """The command and environment that run the real pilot for ``queue`` against the testbed at
    ``server``. It asks for jobs until the queue has none or its timefloor has passed (at most
    ``max_getjob`` requests), and stops at the first request that finds none."""
    u = urlsplit(server.rstrip("/"))
    if u.scheme != "http" or not u.hostname or not u.port:
        raise RealPilotError(f"the testbed URL must be http://HOST:PORT, not {server!r}")
    base = f"{u.scheme}://{u.hostname}:{u.port}"
    argv = [sys.executable, str(LAUNCHER), str(source), trf_base(base)]
    argv += ["-q", queue, "-r", queue, "-s", queue, "--url", f"http://{u.hostname}", "-p", str(u.port)]
    argv += ["-a", str(workdir), *pilot_arguments(base, label, max_getjob), *extra]
    run_env = dict(env if env is not None else os.environ)
    run_env.update(pilot_environment(base, queue))
    return PilotRun(argv, run_env)
