"""``panda``: fetch a PanDA pilot and run it against a PanDA server.

The pilot code comes from ``--wrapperpilotcode`` (or ``--pilot-url``), a single ``pilot.py`` or a
tarball with ``pilot.py`` (``--pilot-entry``) at its top or one directory down. It runs as::

    python3 pilot.py -s <site> -r <resource> -q <queue> [--url <server>] [other options] [-- args]

``-s`` and ``-r`` default to ``--wrapperwmsqueue``, ``-q`` to ``--wrapperbatchqueue`` (else the
wmsqueue); the server is ``--panda-url`` or ``--wrapperserverurl``. Options the plugin does not know
and the words after ``--`` are passed to the pilot."""

from __future__ import annotations

import argparse
import os

from ..context import StageContext
from ..exitcodes import PILOTCODE, USAGE, StageError
from ..pilotcode import fetch_pilot_code
from .base import Plugin


class PandaPlugin(Plugin):
    """Wrapper plugin ``panda``: runs the PanDA pilot."""

    name = "panda"
    passes_unknown = True

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("-s", "--site", default="", help="PanDA site (default: --wrapperwmsqueue)")
        parser.add_argument("-r", "--resource", default="", help="PanDA resource (default: the site)")
        parser.add_argument("-q", "--queue", default="", help="PanDA queue (default: --wrapperbatchqueue)")
        parser.add_argument("--panda-url", default="", help="PanDA server URL (default: --wrapperserverurl)")
        parser.add_argument(
            "--pilot-url", default="", help="pilot code sources when --wrapperpilotcode is unset"
        )
        parser.add_argument("--pilot-checksum", default="", help="sha256 of the --pilot-url code")
        parser.add_argument("--pilot-entry", default="pilot.py", help="the pilot script inside a tarball")
        parser.add_argument(
            "--pilot-python", default="", help="interpreter for the pilot (default: the wrapper's)"
        )

    def __init__(self, ctx: StageContext, args: list[str]) -> None:
        super().__init__(ctx, args)
        if not ctx.options.pilotcode and not self.opts.pilot_url:
            raise StageError(
                USAGE,
                "panda plugin: no pilot code: give --wrapperpilotcode=<URL> or --pilot-url=<URL> (2.4 forms:"
                " --wrapperpilotcode=<name> with --wrapperpilotcodeurl=<base URL>, --wrapperpilottype=<name>"
                " with --wrapperserverurl=<base URL>, --libcode=<name> with --pilotsrcurl=<base URL>)",
            )
        if not (self.opts.site or ctx.options.wmsqueue):
            raise StageError(USAGE, "panda plugin: no site (give --wrapperwmsqueue or -s)")

    def pilot_argv(self, pilot: str) -> list[str]:
        o, w = self.opts, self.ctx.options
        site = o.site or w.wmsqueue
        if not site:
            raise StageError(USAGE, "panda plugin: no site (give --wrapperwmsqueue or -s)")
        argv = [o.pilot_python or self.ctx.python, pilot, "-s", site, "-r", o.resource or site]
        argv += ["-q", o.queue or w.batchqueue or site]
        url = o.panda_url or w.serverurl
        if url:
            argv += ["--url", url]
        return [*argv, *self.extra, *w.payload_args]

    def pre_run(self) -> None:
        w = self.ctx.options
        if w.pilotcode:
            spec, ratio, sums = w.pilotcode, w.pilotcoderatio, w.pilotcodechecksum
        else:
            spec, ratio, sums = self.opts.pilot_url, "", self.opts.pilot_checksum
        code = fetch_pilot_code(
            spec, ratio, sums, os.path.join(self.ctx.workdir, "pilotcode"), w.fetch, self.ctx.rng
        )
        pilot = code.file if not code.unpacked else code.find(self.opts.pilot_entry)
        if pilot is None:
            raise StageError(
                PILOTCODE, f"panda plugin: no {self.opts.pilot_entry} in the pilot tarball from {code.url}"
            )
        self.argv = self.pilot_argv(pilot)

    def run(self) -> int:
        return self.ctx.forwarder.run(self.argv, cwd=self.ctx.workdir, env=self.ctx.env)


PLUGIN = PandaPlugin
