"""Fake ``voms-proxy-info``, ``voms-proxy-init`` and ``myproxy-get-delegation`` put on PATH.

A fake proxy is a text file of ``key=value`` lines: ``expires`` (epoch), ``ac_expires`` (epoch, only
with VOMS attributes) and ``fqan`` (repeatable). The creating tools append their argv, the
X509_USER_PROXY they saw and their stdin as one JSON line to ``$FAKE_GRID_LOG``; ``$FAKE_GRID_FAIL``
makes them fail with that message."""

from __future__ import annotations

import sys
import time
from pathlib import Path

COMMON = r"""
import json, os, sys, time

def read(path):
    out = {"fqan": []}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        if k == "fqan":
            out["fqan"].append(v)
        elif k:
            out[k] = v
    return out

def arg(flag, default=None):
    a = sys.argv[1:]
    return a[a.index(flag) + 1] if flag in a else default

def log():
    with open(os.environ["FAKE_GRID_LOG"], "a") as fh:
        stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
        fh.write(json.dumps({"argv": sys.argv, "X509_USER_PROXY": os.environ.get("X509_USER_PROXY"), "stdin": stdin}) + "\n")
    if os.environ.get("FAKE_GRID_FAIL"):
        print(os.environ["FAKE_GRID_FAIL"], file=sys.stderr)
        sys.exit(1)

def write(path, seconds, role):
    now = int(time.time())
    lines = [f"expires={now + seconds}"]
    if role:
        fqan = role.split(":", 1)[1] if ":" in role else "/" + role
        lines += [f"ac_expires={now + seconds}", f"fqan={fqan}/Capability=NULL", f"fqan=/{fqan.split('/')[1]}/Role=NULL/Capability=NULL"]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")
"""

INFO = r"""
path = arg("-file")
if not path or not os.path.exists(path):
    print("Proxy not found: " + str(path), file=sys.stderr); sys.exit(1)
p = read(path)
now = int(time.time())
if "-timeleft" in sys.argv:
    print(max(0, int(p["expires"]) - now))
elif "-actimeleft" in sys.argv:
    if "ac_expires" not in p:
        print("No VOMS attributes found", file=sys.stderr); sys.exit(1)
    print(max(0, int(p["ac_expires"]) - now))
elif "-fqan" in sys.argv:
    print("\n".join(p["fqan"]))
"""

INIT = r"""
log()
h, m = arg("-valid").split(":")
write(arg("-out"), int(h) * 3600 + int(m) * 60, arg("-voms"))
"""

MYPROXY = r"""
log()
write(arg("--out"), int(arg("--proxy_lifetime")) * 3600, arg("--voms"))
"""


def install(bindir: Path) -> None:
    bindir.mkdir(parents=True, exist_ok=True)
    for name, body in (
        ("voms-proxy-info", INFO),
        ("voms-proxy-init", INIT),
        ("myproxy-get-delegation", MYPROXY),
    ):
        p = bindir / name
        p.write_text(f"#!{sys.executable}\n{COMMON}\n{body}")
        p.chmod(0o755)


def proxy(
    path: Path, seconds: int, fqans: tuple[str, ...] = ("/atlas/Role=production/Capability=NULL",)
) -> Path:
    """A fake proxy valid for ``seconds`` (with VOMS attributes when ``fqans``)."""
    now = int(time.time())
    lines = [f"expires={now + seconds}"]
    if fqans:
        lines.append(f"ac_expires={now + seconds}")
        lines += [f"fqan={f}" for f in fqans]
    path.write_text("\n".join(lines) + "\n")
    path.chmod(0o600)
    return path
