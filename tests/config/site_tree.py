"""The 2.4 site tree of tests/config/data/apf24-site made runnable here: the only changes are where
things are on this machine (the factory user's home, the log directory, the PanDA server and the
monitor), the rest is the site's configuration as written."""

from __future__ import annotations

import os
import shlex
import shutil
import time
from pathlib import Path

TREE = Path(__file__).parent / "data" / "apf24-site"
FACTORY_HOST = "factory.example.org"
DEAD_MONITOR = "http://127.0.0.1:9/api"  # nothing listens: the monitor calls fail at once


def sysconfig_options() -> list[str]:
    """OPTIONS of the tree's sysconfig file, as 2.4's init script passes them."""
    for line in (TREE / "sysconfig" / "autopyfactory").read_text().splitlines():
        if line.startswith("OPTIONS="):
            return shlex.split(shlex.split(line.split("=", 1)[1])[0])
    raise AssertionError("no OPTIONS in sysconfig")


def fake_proxy(path: Path, role: str, days: float = 7) -> None:
    """A proxy as tests/auth/fake_tools.py's voms-proxy-info reads it."""
    expires = int(time.time() + days * 86400)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f"expires={expires}\nac_expires={expires}\nfqan={role}/Capability=NULL\n"
        f"fqan=/{role.split('/')[1]}/Role=NULL/Capability=NULL\n"
    )
    path.chmod(0o600)


def home(root: Path) -> Path:
    """The factory user's home: the proxies its auth.conf profiles keep and the BOSCO key."""
    auth = root / ".autopyfactory" / "auth"
    fake_proxy(auth / "prodProxy", "/atlas/Role=production")
    fake_proxy(auth / "pilotProxy", "/atlas/Role=pilot")
    fake_proxy(auth / "usatlasProxy", "/atlas/usatlas/Role=production")
    for f, text in (
        (".ssh/bosco_key.rsa", "key\n"),
        (".ssh/bosco_key.rsa.pub", "pub\n"),
        (".bosco/.pass", "pw\n"),
    ):
        (root / f).parent.mkdir(parents=True, exist_ok=True)
        (root / f).write_text(text)
        (root / f).chmod(0o600)
    return root


def prepare(tmp: Path, panda_url: str) -> tuple[Path, Path]:
    """A copy of the tree under ``tmp`` (returns its directory and the factory user's home)."""
    etc = tmp / "etc"
    shutil.copytree(TREE, etc)
    user_home = home(tmp / "home")
    for f in etc.rglob("*.conf"):
        f.write_text(f.read_text().replace("~/", f"{user_home}/"))
    conf = etc / "autopyfactory.conf"
    conf.write_text(
        conf.read_text()
        .replace("baseLogDir = /home/autopyfactory/factory/logs", f"baseLogDir = {tmp}/logs")
        .replace(
            "baseLogDirUrl = http://apf.example.org:25880", f"baseLogDirUrl = http://{FACTORY_HOST}:25880"
        )
        .replace("logserver.enabled = True", "logserver.enabled = False")
    )
    panda = f"\n[DEFAULT]\nwmsstatus.panda.url = {panda_url}\n"
    for f in (etc / "queues.conf", etc / "agisdefaults.conf"):
        f.write_text(f.read_text() + panda)
    (etc / "queues.d" / "99-this-machine.conf").write_text(panda)
    mon = etc / "monitor.conf"
    mon.write_text(mon.read_text().replace("http://apfmon.lancs.ac.uk/api", DEAD_MONITOR))
    return etc, user_home


def environment(user_home: Path, grid_bin: Path) -> dict[str, str]:
    """The factory's environment: its user's home, the grid tools, the host name HTCondor expands."""
    env = dict(os.environ)
    env.update(
        HOME=str(user_home),
        PATH=f"{grid_bin}{os.pathsep}{env.get('PATH', '')}",
        FAKE_GRID_LOG=str(user_home / "grid.log"),
        HOSTNAME=FACTORY_HOST,
    )
    env.pop("FAKE_GRID_FAIL", None)
    return env
