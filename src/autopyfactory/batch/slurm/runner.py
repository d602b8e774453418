"""Running Slurm's command-line tools: always with a timeout, never hanging the factory."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

REAP_SECONDS = 2.0  # after the kill, how long the killed command's output is still read


class SlurmError(Exception):
    """A Slurm command or REST call failed (timeout, missing program, error status)."""


@dataclass(frozen=True, slots=True)
class CommandResult:
    """How a command ended: its arguments, exit code, output, error output and duration."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def check(self) -> CommandResult:
        """Self when the command succeeded; SlurmError naming the command and its stderr otherwise."""
        if self.returncode != 0:
            detail = (self.stderr.strip() or self.stdout.strip() or "no output").splitlines()[-1]
            raise SlurmError(f"{self.argv[0]} exited {self.returncode}: {detail}")
        return self


def run_command(
    argv: Sequence[str], timeout: float, env: Mapping[str, str] | None = None, stdin: str | None = None
) -> CommandResult:
    """Run ``argv`` in its own session; on timeout the whole process group is killed and SlurmError
    raised. A missing program is a SlurmError too. A non-zero exit is returned (see ``check``)."""
    t0 = time.monotonic()
    try:
        proc = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=dict(env) if env is not None else None,
            text=True,
            start_new_session=True,
        )
    except OSError as exc:
        raise SlurmError(f"cannot run {argv[0]}: {exc.strerror or exc}") from None
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.communicate(timeout=REAP_SECONDS)
        except subprocess.TimeoutExpired:
            # something that left the process group still holds the pipes: stop reading them
            for pipe in (proc.stdin, proc.stdout, proc.stderr):
                if pipe is not None:
                    pipe.close()
            proc.wait()
        raise SlurmError(f"{argv[0]} did not answer within {timeout:g}s (is slurmctld up?)") from None
    return CommandResult(tuple(argv), proc.returncode, out, err, time.monotonic() - t0)
