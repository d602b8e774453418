"""``generic``: run fetched pilot code, or a command.

- With pilot code (``--wrapperpilotcode``): run the fetched file (``*.py`` with ``--pilot-python``,
  else the wrapper's python; anything else directly), or for a tarball the file ``--entry`` names
  inside it, in that file's directory (its run directory). Its arguments are, as in 2.4, the
  options the wrapper does not know, in their order, followed by the words after ``--``;
  ``$APF_PILOTCODE`` names the file.
- Without: the words after ``--`` are the command, run in the work directory (for compatibility,
  leftover words that start with a command name are too).

Options that reproduce 2.4 wrappers (compat24.py sets them for 2.4 command lines):
``--rundir-arg -d`` gives the pilot ``-d <run directory>`` first; ``--status-file STATUSCODE``
takes the exit status from that file when the pilot wrote one; ``--ok-status 65`` reports those
statuses as success; ``--vmem-limit``/``--fsize-limit`` (kB) are the pilot's ``ulimit -v``/``-f``.
"""

from __future__ import annotations

import argparse
import os
import stat

from ..context import StageContext
from ..exitcodes import USAGE, StageError
from ..payload import Limit
from ..pilotcode import PilotCode, fetch_pilot_code
from .base import Plugin

NO_CODE_HINT = (
    "give the pilot code with --wrapperpilotcode=<URL> (2.4 forms: --wrapperpilotcode=<name> with"
    " --wrapperpilotcodeurl=<base URL>, --wrapperpilottype=<name> with --wrapperserverurl=<base URL>,"
    " --libcode=<name> with --pilotsrcurl=<base URL>, or runpilot3 arguments with $PILOT_HTTP_SOURCES),"
    " or the command to run after a standalone --"
)


def command_for(path: str, python: str) -> list[str]:
    """How to run a fetched file: python for ``*.py``, else the file itself (made executable)."""
    if path.endswith(".py"):
        return [python, path]
    mode = os.stat(path).st_mode
    os.chmod(path, mode | stat.S_IXUSR)
    return [path]


def _codes(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(c) for c in text.split(",") if c.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected exit statuses like 65 or 65,66: {text!r}") from None


def _kbytes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected kB as a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def read_status(path: str) -> int | None:
    """The number in ``path`` (runpilot3's STATUSCODE), None when absent or not a number."""
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


class GenericPlugin(Plugin):
    """Wrapper plugin ``generic``: runs the pilot code with the arguments it is given."""

    name = "generic"
    passes_unknown = True

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        a = parser.add_argument
        a("--entry", default="", help="file to run inside a fetched tarball")
        a("--pilot-python", default="", help="interpreter for *.py pilot code (default: the wrapper's)")
        a("--rundir-arg", default="", metavar="OPT", help="give the pilot OPT <its run directory> first")
        a("--status-file", default="", help="file in the run directory holding the exit status")
        a("--ok-status", type=_codes, default=(), metavar="N,N", help="exit statuses reported as 0")
        a("--vmem-limit", type=_kbytes, default=0, metavar="KB", help="the pilot's ulimit -v")
        a("--fsize-limit", type=_kbytes, default=0, metavar="KB", help="the pilot's ulimit -f")

    def __init__(self, ctx: StageContext, args: list[str]) -> None:
        super().__init__(ctx, args)
        self.code: PilotCode | None = None
        self.entry = ""
        self.command = [*self.extra, *ctx.options.payload_args]
        if ctx.options.pilotcode:
            return
        if not self.command:
            raise StageError(USAGE, f"generic plugin: nothing to run; {NO_CODE_HINT}")
        if self.extra and self.extra[0].startswith("-"):
            raise StageError(
                USAGE,
                f"generic plugin: no pilot code to give the arguments {' '.join(self.extra)!r} to; {NO_CODE_HINT}",
            )

    def pre_run(self) -> None:
        o = self.ctx.options
        if o.pilotcode:
            self.code = fetch_pilot_code(
                o.pilotcode,
                o.pilotcoderatio,
                o.pilotcodechecksum,
                os.path.join(self.ctx.workdir, "pilotcode"),
                o.fetch,
                self.ctx.rng,
            )
            self.entry = self._entry(self.code)

    def _entry(self, code: PilotCode) -> str:
        if not code.unpacked:
            return code.file
        if not self.opts.entry:
            raise StageError(
                USAGE,
                "generic plugin: the pilot code is a tarball; say which file to run with --entry"
                " (2.4: --script=pilot.py)",
            )
        path = code.find(self.opts.entry)
        if path is None:
            raise StageError(USAGE, f"generic plugin: {self.opts.entry} not found in {code.url}")
        return path

    def limits(self) -> list[Limit]:
        out = []
        if self.opts.vmem_limit:
            out.append(Limit("vmem", self.opts.vmem_limit))
        if self.opts.fsize_limit:
            out.append(Limit("fsize", self.opts.fsize_limit))
        return out

    def run(self) -> int:
        env = dict(self.ctx.env)
        cwd = self.ctx.workdir
        if self.code is None:
            argv = self.command
        else:
            env["APF_PILOTCODE"] = self.entry
            cwd = os.path.dirname(self.entry)
            python = self.opts.pilot_python or self.ctx.python
            first = [self.opts.rundir_arg, cwd] if self.opts.rundir_arg else []
            argv = [*command_for(self.entry, python), *first, *self.command]
        status = self.ctx.forwarder.run(argv, cwd=cwd, env=env, limits=self.limits())
        return self.outcome(status, cwd)

    def outcome(self, status: int, rundir: str) -> int:
        """The exit status to report: from the status file, then mapped by --ok-status."""
        if self.opts.status_file:
            written = read_status(os.path.join(rundir, self.opts.status_file))
            if written is not None and written != status:
                self.log.info("%s says %d (the pilot exited with %d)", self.opts.status_file, written, status)
                status = written
        if status in self.opts.ok_status:
            self.log.info("exit status %d reported as 0 (--ok-status)", status)
            return 0
        return status


PLUGIN = GenericPlugin
