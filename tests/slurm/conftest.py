"""The one-node Slurm cluster the ``slurm`` tests run against.

Started once per session with the project's ``scripts/slurm/start.sh`` in a temporary directory (on
free ports, with slurmrestd as an unprivileged user) and stopped with ``stop.sh`` afterwards; or, when
``SLURM_CONF`` is set, the cluster it names is used as it is (no slurmrestd then)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.slurm.fake_cli import fake_slurm  # noqa: F401  (fixture)

ROOT = Path(__file__).resolve().parents[2]
START = ROOT / "scripts" / "slurm" / "start.sh"
STOP = ROOT / "scripts" / "slurm" / "stop.sh"
REST_USER = "apfslurmrest"


@dataclass(frozen=True)
class SlurmCluster:
    slurm_conf: str
    base: Path | None  # None: a cluster this session did not start
    rest_socket: str | None  # unix socket of slurmrestd (rest_auth/local), when running
    rest_user: str | None

    def env(self) -> dict[str, str]:
        return {**os.environ, "SLURM_CONF": self.slurm_conf}

    def run(self, *argv: str, timeout: float = 20) -> str:
        return subprocess.run(
            argv, env=self.env(), capture_output=True, text=True, timeout=timeout, check=True
        ).stdout


def free_port_pair() -> int:
    """A port p such that p and p + 1 are both free (slurmctld and slurmd)."""
    for _ in range(50):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port >= 65535:
            continue
        with socket.socket() as s2:
            try:
                s2.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def _why_not_startable() -> str | None:
    if os.geteuid() != 0:
        return "starting a Slurm cluster needs root (munged, slurmctld, slurmd); or set SLURM_CONF"
    have = all(Path(p).exists() for p in ("/usr/sbin/slurmctld", "/usr/sbin/slurmd", "/usr/sbin/munged"))
    if not have and shutil.which("apt-get") is None:
        return "Slurm is not installed and there is no apt-get (Debian packages slurmctld slurmd munge)"
    return None


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[SlurmCluster]:
    existing = os.environ.get("SLURM_CONF")
    if existing:
        yield SlurmCluster(existing, None, None, None)
        return
    why = _why_not_startable()
    if why:
        pytest.skip(why)
    base = Path(tempfile.mkdtemp(prefix="apf-slurm-"))
    base.chmod(0o755)  # the slurmrestd user's jobs write their logs below it
    env = {
        **os.environ,
        "SLURM_TEST_PORT": str(free_port_pair()),
        "SLURM_TEST_REST_USER": REST_USER if Path("/usr/sbin/slurmrestd").exists() else "",
    }
    proc = subprocess.run(
        ["bash", str(START), str(base)], env=env, capture_output=True, text=True, timeout=300
    )
    if proc.returncode != 0:
        subprocess.run(["bash", str(STOP), str(base)], capture_output=True, timeout=120)
        pytest.fail(f"scripts/slurm/start.sh failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    sock = base / "rest" / "slurmrestd.sock"
    rest = env["SLURM_TEST_REST_USER"] and sock.exists()
    try:
        yield SlurmCluster(
            str(base / "etc" / "slurm.conf"),
            base,
            str(sock) if rest else None,
            REST_USER if rest else None,
        )
    finally:
        subprocess.run(["bash", str(STOP), str(base)], capture_output=True, timeout=120)
        shutil.rmtree(base, ignore_errors=True)
