"""Runs one local pilot: starts its command, forwards signals to it, records its exit code.

The factory starts ``python -m autopyfactory.batch.local.launcher RCFILE -- CMD...`` in a new
process group. The exit code file lets a restarted factory learn how pilots ended that it did not
start itself. Standard library only."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)


def main(argv: list[str]) -> int:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: launcher RCFILE -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    rc_file, cmd = argv[0], argv[2:]
    started = time.time()
    child: subprocess.Popen[bytes] | None = None
    early: list[int] = []

    def forward(signum: int, frame: object) -> None:
        if child is None:  # still starting it: pass the signal on once it exists
            early.append(signum)
            return
        try:
            child.send_signal(signum)
        except ProcessLookupError:
            pass

    # handlers first: a removal signal arriving while the command starts must not kill the launcher
    # and leave the command running without it (exec resets the handlers in the command)
    for s in FORWARDED:
        signal.signal(s, forward)
    try:
        child = subprocess.Popen(cmd)
    except OSError as exc:
        print(f"launcher: cannot start {cmd[0]}: {exc.strerror}", file=sys.stderr)
        _write(rc_file, 127, started)
        return 127
    while early:
        forward(early.pop(0), None)
    rc = child.wait()
    if rc < 0:
        rc = 128 - rc
    _write(rc_file, rc, started)
    return rc


def _write(path: str, rc: int, started: float) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"rc": rc, "started": started, "ended": time.time()}, f)
    os.replace(tmp, path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
