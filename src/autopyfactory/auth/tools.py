"""Running the grid credential tools (``voms-proxy-*``, ``myproxy-*``, ``openssl``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ToolResult:
    """What an external credential tool returned: exit code, output and error output."""

    rc: int
    out: str
    err: str

    @property
    def ok(self) -> bool:
        return self.rc == 0

    def why(self) -> str:
        text = (self.err or self.out).strip().splitlines()
        return f"exit {self.rc}" + (f": {text[-1]}" if text else "")


def have(tool: str) -> bool:
    return shutil.which(tool) is not None


def run_tool(
    argv: Sequence[str], stdin: str | None = None, env: Mapping[str, str] | None = None, timeout: float = 120
) -> ToolResult:
    """Run ``argv`` (never through a shell); a missing tool gives rc 127, a timeout rc 124."""
    exe = shutil.which(argv[0])
    if exe is None:
        return ToolResult(127, "", f"{argv[0]} not found on PATH")
    full_env = {**os.environ, **(env or {})}
    try:
        p = subprocess.run(
            [exe, *argv[1:]],
            input=stdin,
            capture_output=True,
            text=True,
            env=full_env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return ToolResult(124, "", f"{argv[0]} timed out after {timeout:.0f}s")
    return ToolResult(p.returncode, p.stdout, p.stderr)
