"""The Debian packages installed on this machine for real, as a site installs them: check-config
accepts the installed /etc/autopyfactory, the factory started exactly as its unit starts it (same
command, the system user, systemd's notify socket) runs a cycle of the packaged demo queue and
answers SIGHUP and SIGTERM, the units pass systemd-analyze verify, the monitor upgrades its
database; an upgrade keeps an edited queues.conf and a file dropped in queues.d; removal keeps
the configuration; purge removes it, the logs and the state, as Debian policy says."""

from __future__ import annotations

import configparser
import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.packaging, pytest.mark.slow]

ETC = Path("/etc/autopyfactory")
UNITS = Path("/lib/systemd/system")
MARK = Path("/var/lib/autopyfactory-packaging-test")  # this test installed the packages
PACKAGES = ("autopyfactory", "autopyfactory-common", "autopyfactory-htcondor", "autopyfactory-monitor",
            "autopyfactory-wrapper")  # fmt: skip
APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=600", "-o", "Dpkg::Options::=--force-confdef",
       "-o", "Dpkg::Options::=--force-confold"]  # fmt: skip
DROP_IN = "[LOCAL-DEMO]\nenabled = True\n"
EDIT = "\n# edited by the site\n[DEFAULT]\ncleanlogs.keepdays = 3\n"


def sh(*cmd: str, check: bool = True, **kw: Any) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env, **kw)
    if check and proc.returncode:
        raise AssertionError(f"{shlex.join(cmd)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def installed(pkg: str) -> str:
    """``ii``, ``rc`` (removed, configuration left) or '' (not known)."""
    proc = sh("dpkg-query", "-W", "-f", "${db:Status-Abbrev}", pkg, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else ""


def purge_all() -> None:
    known = [p for p in PACKAGES if installed(p)]
    if known:
        sh(*APT, "purge", *known)


@pytest.fixture(scope="module")
def system() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("installs packages on this machine: needs root")
    missing = [
        t for t in ("apt-get", "dpkg", "setpriv", "runuser", "systemd-analyze") if shutil.which(t) is None
    ]
    if missing:
        pytest.skip(f"needs {', '.join(missing)}")
    if any(installed(p) for p in PACKAGES) and not MARK.exists():
        pytest.skip("autopyfactory packages are installed on this machine by someone else: not touching them")
    purge_all()
    MARK.touch()
    try:
        yield
    finally:
        purge_all()
        for leftover in (ETC, Path("/var/lib/autopyfactory-monitor")):
            shutil.rmtree(leftover, ignore_errors=True)
        MARK.unlink(missing_ok=True)


def unit(name: str) -> configparser.ConfigParser:
    cp = configparser.ConfigParser(strict=False, interpolation=None)
    cp.optionxform = str  # type: ignore[assignment,method-assign]
    cp.read(UNITS / name)
    return cp


def repack(deb: Path, out: Path, version: str, change: dict[str, str] | None = None) -> Path:
    """``deb`` as a newer build: another version (and pins), files of ``change`` appended to."""
    tree = out / "trees" / deb.stem
    tree.parent.mkdir(exist_ok=True)
    sh("dpkg-deb", "-R", str(deb), str(tree))
    control = tree / "DEBIAN/control"
    text = control.read_text()
    old = re.search(r"^Version: (\S+)$", text, re.M).group(1)  # type: ignore[union-attr]
    control.write_text(text.replace(old, version))
    for rel, extra in (change or {}).items():
        with (tree / rel).open("a") as fh:
            fh.write(extra)
    md5 = sh(
        "sh", "-c", "find . -path ./DEBIAN -prune -o -type f -print0 | sort -z | xargs -0 md5sum", cwd=tree
    )
    (tree / "DEBIAN/md5sums").write_text(md5.stdout.replace("  ./", "  "))
    target = out / deb.name.replace(old, version)
    sh("dpkg-deb", "-Zgzip", "-b", str(tree), str(target))
    return target


def receive(sock: socket.socket, until: str, deadline: float = 120) -> list[str]:
    got: list[str] = []
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        sock.settimeout(max(0.1, end - time.monotonic()))
        try:
            got.append(sock.recv(4096).decode())
        except TimeoutError:
            break
        if until in got[-1].splitlines():
            return got
    raise AssertionError(f"no {until} from the factory within {deadline}s; got {got}")


def wait_for(path: Path, text: str, deadline: float = 120) -> str:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        content = path.read_text(errors="replace") if path.exists() else ""
        if text in content:
            return content
        time.sleep(0.2)
    raise AssertionError(f"{text!r} not in {path} within {deadline}s:\n{content[-3000:]}")


def start_like_the_unit(sock_path: Path, *extra: str) -> subprocess.Popen[bytes]:
    """The factory as systemd starts it: the unit's ExecStart as its User/Group (with their
    groups), in its WorkingDirectory, with a notify socket; no other environment."""
    svc = unit("autopyfactory.service")["Service"]
    assert svc["Type"] == "notify"
    cmd = shlex.split(svc["ExecStart"])
    user, group = svc["User"], svc["Group"]
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "NOTIFY_SOCKET": str(sock_path)}
    return subprocess.Popen(
        ["setpriv", f"--reuid={user}", f"--regid={group}", "--init-groups", "--", *cmd, *extra],
        cwd=svc["WorkingDirectory"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def test_the_debian_packages_install_run_upgrade_remove_and_purge(
    built: Any, system: None, tmp_path: Path
) -> None:
    debs = [str(d) for d in built.debs]
    assert sorted(Path(d).name.split("_")[0] for d in debs) == sorted(PACKAGES)
    sh(*APT, "install", *debs)
    assert all(installed(p) == "ii" for p in PACKAGES)

    # the command, its version, its man pages; the private environment leaves the system's Python alone
    assert sh("autopyfactory", "--version").stdout.strip() == f"autopyfactory {built.version}"
    assert (
        sh("man", "-w", "autopyfactory-check-config")
        .stdout.strip()
        .endswith("autopyfactory-check-config.1.gz")
    )
    venv_python = "/usr/lib/autopyfactory/venv/bin/python3"
    paths = json.loads(sh(venv_python, "-I", "-c", "import sys, json; print(json.dumps(sys.path))").stdout)
    assert "/usr/lib/autopyfactory/venv/lib/python3.11/site-packages" in paths
    assert not any("dist-packages" in p for p in paths)
    sh(venv_python, "-I", "-c", "import htcondor2, fastapi, sqlalchemy, psycopg, autopyfactory")

    # users, directories, secrets
    for user, home in (
        ("autopyfactory", "/var/lib/autopyfactory"),
        ("apfmon", "/var/lib/autopyfactory-monitor"),
    ):
        entry = sh("getent", "passwd", user).stdout.split(":")
        assert entry[5] == home and entry[6].strip() == "/usr/sbin/nologin"
    assert sh("stat", "-c", "%U:%G %a", "/var/lib/autopyfactory").stdout.split() == [
        "autopyfactory:autopyfactory",
        "750",
    ]
    assert (
        sh("stat", "-c", "%U:%G %a", "/var/log/autopyfactory/pilots").stdout.split()[0]
        == "autopyfactory:autopyfactory"
    )
    assert sh("stat", "-c", "%U:%G %a", str(ETC / "auth.conf")).stdout.split() == [
        "root:autopyfactory",
        "640",
    ]
    assert sh("stat", "-c", "%U:%G %a", str(ETC / "monitor-admin-token")).stdout.split() == [
        "root:apfmon",
        "640",
    ]
    conffiles = set(sh("dpkg-query", "-W", "-f", "${Conffiles}", "autopyfactory").stdout.split()[::2])
    assert conffiles == {
        "/etc/autopyfactory/autopyfactory.conf", "/etc/autopyfactory/queues.conf", "/etc/autopyfactory/auth.conf",
        "/etc/autopyfactory/monitor.conf", "/etc/default/autopyfactory", "/etc/logrotate.d/autopyfactory",
    }  # fmt: skip
    assert (ETC / "queues.d").is_dir() and not any((ETC / "queues.d").iterdir())

    # the units as systemd reads them (executables, users, man pages of Documentation=)
    sh(
        "systemd-analyze",
        "verify",
        str(UNITS / "autopyfactory.service"),
        str(UNITS / "autopyfactory-monitor.service"),
    )
    svc = unit("autopyfactory.service")["Service"]
    assert (svc["ExecReload"], svc["Restart"], svc["User"]) == (
        "/bin/kill -HUP $MAINPID",
        "on-failure",
        "autopyfactory",
    )

    # check-config accepts the installed configuration, as root and as the service user
    for prefix in ((), ("runuser", "-u", "autopyfactory", "--")):
        out = json.loads(sh(*prefix, "autopyfactory", "check-config", "--json").stdout)
        assert out["errors"] == 0, out["problems"]

    # the factory as its unit starts it: READY, a cycle of the demo queue, SIGHUP, SIGTERM
    (ETC / "queues.d/50-local-demo.conf").write_text(DROP_IN)
    (ETC / "queues.d/50-local-demo.conf.dpkg-old").write_text(
        "[LOCAL-DEMO]\nwmsstatus.static.activated = 500\n"
    )
    log = Path("/var/log/autopyfactory/autopyfactory.log")
    # systemd's notify socket is in /run, reachable by the service user
    sock_dir = Path(tempfile.mkdtemp(prefix="apf-notify-", dir="/run"))
    sock_path = sock_dir / "notify"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.bind(str(sock_path))
        os.chmod(sock_dir, 0o755)
        os.chmod(sock_path, 0o777)
        proc = start_like_the_unit(sock_path)
        try:
            assert receive(sock, "READY=1")[-1] == "READY=1\nSTATUS=1 queue(s) running"
            text = wait_for(log, "queue=LOCAL-DEMO ")
            line = next(x for x in text.splitlines() if "queue=LOCAL-DEMO " in x)
            assert "activated=2 " in line and "action='submitted 2'" in line, line
            assert "50-local-demo.conf.dpkg-old" in text  # reported, not read
            proc.send_signal(signal.SIGHUP)
            msgs = receive(sock, "READY=1")
            assert msgs[0].startswith("RELOADING=1") and msgs[-1].startswith("READY=1")
            proc.send_signal(signal.SIGTERM)
            assert receive(sock, "STOPPING=1")[-1].startswith("STOPPING=1")
            assert proc.wait(timeout=120) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            shutil.rmtree(sock_dir, ignore_errors=True)
    pilots = wait_for_files(Path("/var/log/autopyfactory/pilots"), "*.out", 2)
    assert sh("stat", "-c", "%U", str(pilots[0])).stdout.strip() == "autopyfactory"

    # the monitor, as its unit runs it but on a free port: its version, the database made at install
    check_monitor(built.version, tmp_path)

    # an upgrade to a newer build whose queues.conf changed: the site's edits stay
    with (ETC / "queues.conf").open("a") as fh:
        fh.write(EDIT)
    edited = (ETC / "queues.conf").read_text()
    token = (ETC / "monitor-admin-token").read_text()
    upstream, revision = sh("dpkg-query", "-W", "-f", "${Version}", "autopyfactory").stdout.rsplit("-", 1)
    new_version = f"{upstream}-{int(revision) + 1}"
    (tmp_path / "newer").mkdir()
    upgraded = [
        repack(Path(d), tmp_path / "newer", new_version, {"etc/autopyfactory/queues.conf": "\n# new in this build\n"}
               if Path(d).name.startswith("autopyfactory_") else None)
        for d in debs
    ]  # fmt: skip
    out = sh(*APT, "install", *map(str, upgraded))
    assert all(sh("dpkg-query", "-W", "-f", "${Version}", p).stdout == new_version for p in PACKAGES)
    assert (ETC / "queues.conf").read_text() == edited
    assert "# new in this build" in (ETC / "queues.conf.dpkg-dist").read_text()
    assert (ETC / "queues.d/50-local-demo.conf").read_text() == DROP_IN
    assert (ETC / "monitor-admin-token").read_text() == token
    assert "monitor-upgrade: the database schema is current" in out.stdout + out.stderr
    result = json.loads(sh("autopyfactory", "check-config", "--json").stdout)
    assert result["errors"] == 0
    assert result["queues"]["LOCAL-DEMO"]["values"]["cleanlogs.keepdays"]["value"] == "3"

    # removal: the programs go, the configuration, logs and users stay
    sh(*APT, "remove", *PACKAGES)
    assert {p: installed(p) for p in PACKAGES if installed(p) not in ("", "un")} == {
        "autopyfactory": "rc",  # removed, its configuration left
        "autopyfactory-monitor": "rc",
    }
    assert not Path("/usr/bin/autopyfactory").exists() and not Path("/usr/lib/autopyfactory").exists()
    assert (ETC / "queues.conf").read_text() == edited
    assert (ETC / "queues.d/50-local-demo.conf").read_text() == DROP_IN
    assert Path("/var/log/autopyfactory/autopyfactory.log").exists()

    # purge: configuration, logs and state go; the users and the monitor's database stay
    sh(*APT, "purge", *PACKAGES)
    assert not any(installed(p) for p in PACKAGES)
    for gone in ("autopyfactory.conf", "queues.conf", "auth.conf", "monitor.conf", "queues.conf.dpkg-dist",
                 "monitor-server.conf", "monitor-admin-token"):  # fmt: skip
        assert not (ETC / gone).exists(), gone
    assert not Path("/etc/default/autopyfactory").exists()
    assert not Path("/var/log/autopyfactory").exists() and not Path("/var/lib/autopyfactory").exists()
    assert Path("/var/lib/autopyfactory-monitor/apfmon.db").exists()
    sh("getent", "passwd", "autopyfactory")
    # the site's own file stays (dpkg removes only what packages installed)
    assert (ETC / "queues.d/50-local-demo.conf").exists()


def wait_for_files(root: Path, pattern: str, count: int, deadline: float = 60) -> list[Path]:
    end = time.monotonic() + deadline
    found: list[Path] = []
    while time.monotonic() < end:
        found = sorted(root.rglob(pattern))
        if len(found) >= count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"{count} {pattern} under {root} expected, found {found}")


def check_monitor(version: str, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    scratch = Path(tempfile.mkdtemp(prefix="apf-monitor-", dir="/run"))  # readable by the service user
    os.chmod(scratch, 0o755)
    conf = scratch / "monitor-server.conf"
    conf.write_text((ETC / "monitor-server.conf").read_text().replace("port = 8080", f"port = {port}"))
    os.chmod(conf, 0o644)
    svc = unit("autopyfactory-monitor.service")["Service"]
    cmd = shlex.split(svc["ExecStart"].replace(str(ETC / "monitor-server.conf"), str(conf)))
    proc = subprocess.Popen(
        ["setpriv", f"--reuid={svc['User']}", f"--regid={svc['Group']}", "--init-groups", "--", *cmd],
        cwd=svc["WorkingDirectory"],
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        end = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/version", timeout=5) as r:
                    answer = json.loads(r.read())
                break
            except OSError:
                if time.monotonic() > end or proc.poll() is not None:
                    proc.kill()
                    raise AssertionError(f"the monitor did not answer: {proc.communicate()[1]}") from None
                time.sleep(0.3)
        assert answer == {"name": "autopyfactory-monitor", "version": version}
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        shutil.rmtree(scratch, ignore_errors=True)
