"""Fake ``oidc-token`` and ``htgettoken`` put on PATH (the process boundary the machine lacks).

Each prints (oidc-token) or writes to its ``-o`` file (htgettoken) the token in ``$FAKE_TOKEN_FILE``,
and appends one JSON line to ``$FAKE_TOKEN_LOG``: its argv, its own ``/proc/<pid>/cmdline`` as the
system shows it, and its environment. ``$FAKE_TOKEN_FAIL`` makes it fail with that message."""

from __future__ import annotations

import sys
from pathlib import Path

COMMON = r"""
import json, os, sys
with open("/proc/%d/cmdline" % os.getpid(), "rb") as fh:
    cmdline = fh.read().decode(errors="replace").split("\0")
with open(os.environ["FAKE_TOKEN_LOG"], "a") as fh:
    fh.write(json.dumps({"argv": sys.argv, "cmdline": cmdline, "env": dict(os.environ)}) + "\n")
if os.environ.get("FAKE_TOKEN_FAIL"):
    print(os.environ["FAKE_TOKEN_FAIL"], file=sys.stderr)
    sys.exit(1)
token = open(os.environ["FAKE_TOKEN_FILE"]).read().strip()
"""

OIDC_TOKEN = r"""
print(token)
"""

HTGETTOKEN = r"""
a = sys.argv[1:]
out = a[a.index("-o") + 1]
with open(out, "w") as fh:
    fh.write(token + "\n")
print("Storing bearer token in " + out)
"""


def install(bindir: Path) -> None:
    bindir.mkdir(parents=True, exist_ok=True)
    for name, body in (("oidc-token", OIDC_TOKEN), ("htgettoken", HTGETTOKEN)):
        p = bindir / name
        p.write_text(f"#!{sys.executable}\n{COMMON}\n{body}")
        p.chmod(0o755)
