"""``trivial``: prints where it runs and ends with a chosen exit code after an optional sleep,
in a child process, so tests see signal forwarding and exit-code propagation."""

from __future__ import annotations

import argparse
import os

from .base import Plugin

SCRIPT = """
import os, signal, socket, sys, time
def on_signal(signum, frame):
    print("trivial payload: got signal %d" % signum, flush=True)
    sys.exit(128 + signum)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGQUIT):
    signal.signal(s, on_signal)
print("trivial payload: host %s pid %d cwd %s" % (socket.gethostname(), os.getpid(), os.getcwd()), flush=True)
time.sleep(float(sys.argv[1]))
sys.exit(int(sys.argv[2]))
"""


class TrivialPlugin(Plugin):
    """Wrapper plugin ``trivial``: runs a given command (tests and checks)."""

    name = "trivial"

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--exit-code", type=int, default=0, help="the payload's exit code")
        parser.add_argument("--sleep", type=float, default=0.0, help="seconds the payload sleeps")

    def run(self) -> int:
        script = os.path.join(self.ctx.workdir, "trivial_payload.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(SCRIPT.lstrip())
        argv = [self.ctx.python, script, str(self.opts.sleep), str(self.opts.exit_code)]
        return self.ctx.forwarder.run(argv, cwd=self.ctx.workdir, env=self.ctx.env)


PLUGIN = TrivialPlugin
