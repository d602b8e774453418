"""The real factory as a subprocess (the ``autopyfactory`` command), and its log read back as
timestamped lines and decision lines."""

from __future__ import annotations

import calendar
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.invariants.proctable import kill
from tests.invariants.timing import NotReached, wait_for

LINE = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d{3}) \(UTC\) \[ (\w+) \] (\S+): (.*)$")
# action=repr(text): single quotes, or double quotes when the text holds a single quote
DECISION = re.compile(
    r"""\bqueue=(\S+) wmsqueue=\S+ .*?\baction=(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")"""
)


@dataclass(frozen=True, slots=True)
class LogLine:
    t: float  # epoch seconds (the log is UTC)
    level: str
    logger: str
    text: str  # the message, with any continuation lines (tracebacks) appended


@dataclass(frozen=True, slots=True)
class DecisionLine:
    t: float
    queue: str
    action: str
    text: str

    @property
    def submitted(self) -> int:
        m = re.match(r"submitted (\d+)", self.action)
        return int(m.group(1)) if m else 0


LIMIT_AS = (
    "import os, resource, sys; n = int(sys.argv[1]); resource.setrlimit(resource.RLIMIT_AS, (n, n)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)


def command() -> list[str]:
    """The installed ``autopyfactory`` console script next to this interpreter, else ``-m``."""
    script = Path(sys.executable).with_name("autopyfactory")
    return [str(script)] if script.exists() else [sys.executable, "-m", "autopyfactory"]


def parse_log(text: str) -> list[LogLine]:
    out: list[LogLine] = []
    for raw in text.splitlines():
        m = LINE.match(raw)
        if m is None:
            if out:
                last = out[-1]
                out[-1] = LogLine(last.t, last.level, last.logger, last.text + "\n" + raw)
            else:  # a continuation of a line read earlier
                out.append(LogLine(0.0, "", "", raw))
            continue
        t = calendar.timegm(time.strptime(m.group(1), "%Y-%m-%d %H:%M:%S")) + int(m.group(2)) / 1000
        out.append(LogLine(t, m.group(3), m.group(4), m.group(5)))
    return out


class FactoryProcess:
    """``autopyfactory --conf CONF -v --log LOG [args]`` in its own session (signals from the
    terminal do not reach it). ``stop()`` kills it if it is still there."""

    def __init__(
        self,
        conf: Path,
        log: Path,
        env: Mapping[str, str],
        args: Sequence[str] = (),
        memory_limit: int | None = None,
    ) -> None:
        self.conf, self.log, self.env, self.args = conf, log, dict(env), list(args)
        self.memory_limit = memory_limit
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0  # time.time()
        self.started_mono = 0.0
        self.exited_mono: float | None = None
        self._offset = 0
        self._lines: list[LogLine] = []

    def start(self) -> FactoryProcess:
        argv = [*command(), "--conf", str(self.conf), "-v", "--log", str(self.log), *self.args]
        if self.memory_limit is not None:  # address space limit (RLIMIT_AS), set just before exec
            argv = [sys.executable, "-c", LIMIT_AS, str(self.memory_limit), *argv]
        out = open(self.log.with_suffix(".stdout"), "ab")  # noqa: SIM115 - closed with the process
        self.started_at, self.started_mono = time.time(), time.monotonic()
        self.proc = subprocess.Popen(
            argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        out.close()
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def lines(self, since: float | None = None) -> list[LogLine]:
        """The log so far (read incrementally; only complete lines)."""
        try:
            with open(self.log, "rb") as f:
                f.seek(self._offset)
                chunk = f.read()
        except FileNotFoundError:
            chunk = b""
        end = chunk.rfind(b"\n") + 1
        if end:
            self._offset += end
            for ln in parse_log(chunk[:end].decode("utf-8", "replace")):
                if ln.level == "" and self._lines:
                    last = self._lines[-1]
                    self._lines[-1] = LogLine(last.t, last.level, last.logger, last.text + "\n" + ln.text)
                else:
                    self._lines.append(ln)
        return list(self._lines) if since is None else [ln for ln in self._lines if ln.t >= since]

    def output(self) -> str:
        try:
            return self.log.with_suffix(".stdout").read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def decisions(self, queue: str | None = None, since: float | None = None) -> list[DecisionLine]:
        out: list[DecisionLine] = []
        for ln in self.lines(since):
            m = DECISION.search(ln.text)
            if m and (queue is None or m.group(1) == queue):
                action = m.group(2) if m.group(2) is not None else m.group(3)
                out.append(DecisionLine(ln.t, m.group(1), action, ln.text))
        return out

    def wait_decisions(self, queue: str, n: int, timeout: float, since: float | None = None) -> float:
        """Wait for ``n`` decision lines of ``queue`` (after ``since``); fails naming the queue, or
        at once when the factory exits first."""

        def enough() -> bool:
            if len(self.decisions(queue, since)) >= n:
                return True
            if not self.alive():
                raise NotReached(f"the factory exited before {n} decision line(s) of queue {queue}")
            return False

        return wait_for(enough, timeout, f"{n} decision line(s) of queue {queue}")

    def send(self, sig: int) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def wait_exit(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after ``timeout`` seconds."""
        assert self.proc is not None
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        if self.exited_mono is None:
            self.exited_mono = time.monotonic()
        return rc

    def terminate(self, bound: float) -> tuple[float, int | None]:
        """SIGTERM, then wait up to ``bound`` seconds: (seconds it took, exit code); on overrun
        the process is killed and the exit code is None."""
        t0 = time.monotonic()
        self.send(signal.SIGTERM)
        rc = self.wait_exit(bound)
        took = time.monotonic() - t0
        if rc is None:
            self.kill9()
        return took, rc

    def sigterm(self, bound: float, slack: float) -> list[str]:
        """SIGTERM; a violation when the factory takes longer than ``bound`` to exit (it is
        killed after ``bound + slack``)."""
        took, rc = self.terminate(bound + slack)
        if rc is None:
            return [f"still running {took:.0f}s after SIGTERM (bound {bound:g}s; killed)"]
        return [f"SIGTERM to exit took {took:.1f}s (bound {bound:g}s)"] if took > bound else []

    def stop(self) -> None:
        self.kill9()
