"""Runs one local pilot: claims its launch, starts its command, forwards signals to it, records its
exit code, and ends whatever the command left running in its process group.

The factory starts ``python -I launcher.py RCFILE CLAIMFILE -- CMD...`` in a new session, so the
launcher leads the pilot's process group. Before it starts the command the launcher *claims* the
launch: it links a complete file with its own identity (pid, start time, process group, boot) to
CLAIMFILE, which fails if the file exists. A factory that restarts and finds the launch recorded as
``starting`` makes the same claim for itself: exactly one of them wins, atomically. If the launcher
won, the factory adopts the pilot; if the factory won, the launcher exits without starting anything.
So a launch the factory did not live to record is never started twice. The exit code file lets a
restarted factory learn how pilots ended that it did not start itself. Standard library only."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time

FORWARDED = (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
LOST_CLAIM_RC = 75  # EX_TEMPFAIL: this launch was given up by the factory; nothing was started


def claim(path: str, content: dict[str, object]) -> dict[str, object] | None:
    """Claim ``path`` with ``content``: None when this call won, else the winner's claim. The file
    appears complete or not at all (written aside, then hard-linked: the link fails if it exists)."""
    tmp = f"{path}.{os.getpid()}.{time.monotonic_ns()}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(content, f)
    try:
        os.link(tmp, path)
        return None
    except FileExistsError:
        return read_claim(path) or {"by": "unknown"}
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def read_claim(path: str) -> dict[str, object] | None:
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _stat(pid: int | str) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            data = f.read()
    except OSError:
        return None
    return data[data.rfind(")") + 2 :].split()


def identity() -> dict[str, object]:
    """This launcher, as the factory recognises it later."""
    fields = _stat("self") or []
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as f:
            boot = f.read().strip()
    except OSError:
        boot = ""
    return {
        "by": "launcher",
        "pid": os.getpid(),
        "pgid": os.getpgrp(),
        "start": int(fields[19]) if len(fields) > 19 else None,
        "boot": boot,
    }


def end_leftovers(rounds: int = 20) -> None:
    """SIGKILL every other live process of this launcher's process group (what the pilot left
    running), so the pilot is over when its command is; batch systems do the same."""
    me, group = os.getpid(), os.getpgrp()
    if group != me:
        return  # not a group leader (run by hand): the group is not the pilot's alone
    for _ in range(rounds):
        others = []
        for entry in os.listdir("/proc"):
            if entry.isdigit() and int(entry) != me:
                f = _stat(entry)
                if f and len(f) > 2 and f[2] == str(group) and f[0] not in ("Z", "X"):
                    others.append(int(entry))
        if not others:
            return
        for pid in others:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


def main(argv: list[str]) -> int:
    if len(argv) >= 3 and argv[1] == "--":
        rc_file, claim_file, cmd = argv[0], None, argv[2:]
    elif len(argv) >= 4 and argv[2] == "--":
        rc_file, claim_file, cmd = argv[0], argv[1], argv[3:]
    else:
        print("usage: launcher RCFILE [CLAIMFILE] -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
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
    if claim_file is not None:
        winner = claim(claim_file, identity())
        if winner is not None:
            print(
                f"launcher: not starting {cmd[0]}: this launch was given up by {winner.get('by')} "
                f"pid {winner.get('pid')}",
                file=sys.stderr,
            )
            return LOST_CLAIM_RC
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
    end_leftovers()
    return rc


def _write(path: str, rc: int, started: float) -> None:
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"rc": rc, "started": started, "ended": time.time()}, f)
    os.replace(tmp, path)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
