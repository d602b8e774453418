"""``autopyfactory [options] [command]``: the factory (``run``, the default) and its tools."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from types import ModuleType

from autopyfactory import __version__

# command name -> module with add_parser(subparsers) and run(args) -> int
COMMANDS = {
    "run": "autopyfactory.cli.run",
    "check-config": "autopyfactory.cli.check_config",
    "simulate-scheds": "autopyfactory.cli.simulate_scheds",
    "queue-status": "autopyfactory.cli.queue_status",
    "kill-pilots": "autopyfactory.cli.kill_pilots",
    "render-submit": "autopyfactory.cli.render_submit",
    "demo": "autopyfactory.cli.demo",
    "monitor": "autopyfactory.cli.monitor",
    "testbed": "autopyfactory.cli.testbed",
    "wrapper": "autopyfactory.cli.wrapper",
}


def common_options(suppress: bool = False) -> argparse.ArgumentParser:
    """The 2.4 options. Subcommands get them too (``suppress``: no defaults there, so a value given
    before the command is not reset by the subcommand's parser)."""
    p = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS if suppress else None)
    p.add_argument(
        "--conf", help="autopyfactory.conf (comma list) or its directory; default /etc/autopyfactory/"
    )
    lv = p.add_mutually_exclusive_group()
    lv.add_argument(
        "-d", "--debug", dest="level", action="store_const", const=logging.DEBUG, help="log DEBUG"
    )
    lv.add_argument("-v", "--info", dest="level", action="store_const", const=logging.INFO, help="log INFO")
    lv.add_argument(
        "--quiet", dest="level", action="store_const", const=logging.WARNING, help="log WARNING (default)"
    )
    p.add_argument("--console", action="store_true", help="also log to stdout when --log is a file or syslog")
    p.add_argument("--log", metavar="FILE|syslog|stdout", help="where logs go (default stdout)")
    p.add_argument("--runas", metavar="USER", help="drop privileges to USER when started as root")
    return p


def _modules() -> dict[str, ModuleType]:
    out: dict[str, ModuleType] = {}
    for name, mod in COMMANDS.items():
        try:
            out[name] = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    return out


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    common = common_options()
    sub_common = common_options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="autopyfactory",
        description="A pilot factory: couples pilot flow to queued work. Without a command, runs the factory.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"autopyfactory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")
    mods = _modules()
    for mod in mods.values():
        mod.add_parser(sub, sub_common)
    return parser, mods


def main(argv: Sequence[str] | None = None) -> int:
    args_in = list(sys.argv[1:] if argv is None else argv)
    parser, mods = build_parser()
    if not any(a in mods for a in args_in if not a.startswith("-")) and not any(
        a in ("-h", "--help", "--version") for a in args_in
    ):
        args_in = ["run", *args_in]
    args = parser.parse_args(args_in)
    if getattr(args, "level", None) is None:
        args.level = logging.WARNING
    if getattr(args, "log", None) is None:
        args.log = "stdout"
    rc = mods[args.command].run(args)
    return int(rc or 0)


if __name__ == "__main__":
    raise SystemExit(main())
