"""``generic``: run a command, or fetched code.

- With pilot code (``--wrapperpilotcode``): run the fetched file (``*.py`` with the wrapper's python,
  anything else directly), or for a tarball the file ``--entry`` names inside it, in the code's
  directory, with the words after ``--`` (and options the plugin does not know) as its arguments;
  ``$APF_PILOTCODE`` names the file.
- Without: the words after ``--`` (and unknown options) are the command, run in the work directory.
"""

from __future__ import annotations

import argparse
import os
import stat

from ..exitcodes import USAGE, StageError
from ..pilotcode import PilotCode, fetch_pilot_code
from .base import Plugin


def command_for(path: str, python: str) -> list[str]:
    """How to run a fetched file: python for ``*.py``, else the file itself (made executable)."""
    if path.endswith(".py"):
        return [python, path]
    mode = os.stat(path).st_mode
    os.chmod(path, mode | stat.S_IXUSR)
    return [path]


class GenericPlugin(Plugin):
    name = "generic"
    passes_unknown = True

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--entry", default="", help="file to run inside a fetched tarball")

    def pre_run(self) -> None:
        o = self.ctx.options
        self.code: PilotCode | None = None
        self.command = [*self.extra, *o.payload_args]
        if o.pilotcode:
            self.code = fetch_pilot_code(
                o.pilotcode,
                o.pilotcoderatio,
                o.pilotcodechecksum,
                os.path.join(self.ctx.workdir, "pilotcode"),
                o.fetch,
                self.ctx.rng,
            )
        self.entry = self._entry(self.code) if self.code is not None else ""
        if self.code is None and not self.command:
            raise StageError(
                USAGE, "generic plugin: nothing to run (give --wrapperpilotcode or a command after --)"
            )

    def _entry(self, code: PilotCode) -> str:
        if not code.unpacked:
            return code.file
        if not self.opts.entry:
            raise StageError(
                USAGE, "generic plugin: the pilot code is a tarball; say which file to run with --entry"
            )
        path = code.find(self.opts.entry)
        if path is None:
            raise StageError(USAGE, f"generic plugin: {self.opts.entry} not found in {code.url}")
        return path

    def run(self) -> int:
        env = dict(self.ctx.env)
        cwd = self.ctx.workdir
        if self.code is not None:
            env["APF_PILOTCODE"] = self.entry
            cwd = self.code.root
            argv = [*command_for(self.entry, self.ctx.python), *self.command]
        else:
            argv = self.command
        return self.ctx.forwarder.run(argv, cwd=cwd, env=env)


PLUGIN = GenericPlugin
