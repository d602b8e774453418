"""Configuration trees for the fault-injection scenarios, written the way sites write them."""

from __future__ import annotations

import os
import socket
import sys
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.faults import bounds

PILOT = Path(__file__).with_name("fault_pilot.py")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FaultDirs:
    """One scenario's private tree: etc/ (configuration), logs/ (baseLogDir), state/ (statedir),
    markers/ (pilot marker files), home/ (HOME of the factory), outside/ (must never be touched)."""

    root: Path
    factory_id: str

    @classmethod
    def make(cls, root: Path) -> FaultDirs:
        d = cls(root, f"faults-{uuid.uuid4().hex[:10]}")
        for sub in ("etc", "logs", "state", "markers", "home", "outside"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        return d

    @property
    def etc(self) -> Path:
        return self.root / "etc"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def state(self) -> Path:
        return self.root / "state"

    @property
    def markers(self) -> Path:
        return self.root / "markers"

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def outside(self) -> Path:
        return self.root / "outside"

    @property
    def conf(self) -> Path:
        return self.etc / "autopyfactory.conf"

    def env(self) -> dict[str, str]:
        """The factory's environment: this one, with HOME inside the scenario (so no default ever
        lands in the real home directory)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("APF", "PYTEST"))}
        env["HOME"] = str(self.home)
        return env


def section(name: str, keys: Mapping[str, object]) -> str:
    return f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items()) + "\n"


def factory_keys(dirs: FaultDirs, **extra: object) -> dict[str, object]:
    keys: dict[str, object] = {
        "factoryId": dirs.factory_id,
        "factoryUser": "faults",
        "baseLogDir": dirs.logs,
        "baseLogDirUrl": "http://127.0.0.1:25880",
        "statedir": dirs.state,
        "logserver.enabled": "False",
        "queueConf": dirs.etc / "queues.conf",
        "shutdown.grace": bounds.SHUTDOWN_GRACE,
    }
    keys.update({k.replace("__", "."): v for k, v in extra.items()})
    return keys


def write_factory(dirs: FaultDirs, keys: Mapping[str, object] | None = None, text: str | None = None) -> Path:
    """autopyfactory.conf from ``keys`` (a [Factory] section), or verbatim ``text``."""
    dirs.conf.write_text(text if text is not None else section("Factory", keys or factory_keys(dirs)))
    return dirs.conf


def pilot_keys(dirs: FaultDirs, seed: int, lo: float, hi: float) -> dict[str, object]:
    """executable / executable.arguments running the marker-writing pilot for lo..hi seconds."""
    return {
        "executable": sys.executable,
        "executable.arguments": f"-I -S {PILOT} {dirs.markers} {seed} {lo:g} {hi:g}",
    }


def local_queue(
    dirs: FaultDirs,
    name: str,
    seed: int,
    *,
    activated: int,
    maxtorun: int,
    duration: tuple[float, float],
    **extra: object,
) -> str:
    """A Local queue fed by Static work: Ready, capped by MaxToRun (pending + running)."""
    keys: dict[str, object] = {
        "wmsstatusplugin": "Static",
        "wmsstatus.static.activated": activated,
        "batchsubmitplugin": "Local",
        "schedplugin": "Ready, MaxToRun",
        "sched.maxtorun.maximum": maxtorun,
        **pilot_keys(dirs, seed, *duration),
    }
    keys.update(extra)
    return section(name, keys)


def write_queues(dirs: FaultDirs, *sections: str, name: str = "queues.conf") -> Path:
    path = dirs.etc / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(sections))
    return path
