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
    "config-keys": "autopyfactory.cli.config_keys",
    "simulate-scheds": "autopyfactory.cli.simulate_scheds",
    "simulate": "autopyfactory.cli.simulate",
    "queue-status": "autopyfactory.cli.queue_status",
    "kill-pilots": "autopyfactory.cli.kill_pilots",
    "render-submit": "autopyfactory.cli.render_submit",
    "auth": "autopyfactory.cli.auth",
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
    # -d, -v and --quiet set one level: the last one given wins (2.4's optparse did the same)
    p.add_argument("-d", "--debug", dest="level", action="store_const", const=logging.DEBUG, help="log DEBUG")
    p.add_argument("-v", "--info", dest="level", action="store_const", const=logging.INFO, help="log INFO")
    p.add_argument(
        "--quiet", dest="level", action="store_const", const=logging.WARNING, help="log WARNING (default)"
    )
    p.add_argument("--console", action="store_true", help="also log to stdout when --log is a file or syslog")
    p.add_argument("--log", metavar="FILE|syslog|stdout", help="where logs go (default stdout)")
    p.add_argument("--runas", metavar="USER", help="drop privileges to USER when started as root")
    return p


def _modules(only: str | None = None) -> dict[str, ModuleType]:
    """The command modules (``only``: just that one, so a command imports nothing of the others)."""
    out: dict[str, ModuleType] = {}
    for name, mod in COMMANDS.items():
        if only is not None and name != only:
            continue
        try:
            out[name] = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    return out


def build_parser(only: str | None = None) -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    common = common_options()
    sub_common = common_options(suppress=True)
    parser = argparse.ArgumentParser(
        prog="autopyfactory",
        description="A pilot factory: couples pilot flow to queued work. Without a command, runs the factory.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"autopyfactory {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="command")
    mods = _modules(only)
    for mod in mods.values():
        mod.add_parser(sub, sub_common)
    return parser, mods


def command_of(args_in: Sequence[str]) -> str | None:
    """The command ``args_in`` names (None: none). The command is the first word that is not an
    option or an option's value, found by parsing the options the way the real parser will (the
    common ones and ``run``'s, which 2.4 command lines use without a command): so ``--runas
    monitor`` or ``--log run`` is a value, never the command."""
    from autopyfactory.cli import run

    probe = argparse.ArgumentParser(add_help=False, parents=[common_options()], exit_on_error=False)
    run.add_options(probe)
    try:
        _, rest = probe.parse_known_args(list(args_in))
    except (argparse.ArgumentError, SystemExit):
        # the real parser reports the bad option
        return next((a for a in args_in if a in COMMANDS), None)
    words = [a for a in rest if not a.startswith("-")]
    return words[0] if words and words[0] in COMMANDS else None


def parse(argv: Sequence[str]) -> tuple[argparse.Namespace, dict[str, ModuleType]]:
    """The command line as the factory reads it: without a command, ``run`` (as 2.4's command lines
    have none); the last of ``-d``/``-v``/``--quiet`` wins (default WARNING); ``--log`` stdout."""
    args_in = list(argv)
    asks_help = any(a in ("-h", "--help", "--version") for a in args_in)
    command = command_of(args_in)
    # only the command's own module is imported (every one for the help listing them)
    parser, mods = build_parser(None if asks_help and command is None else command or "run")
    if command is None and not asks_help:
        args_in = ["run", *args_in]
    args = parser.parse_args(args_in)
    if getattr(args, "level", None) is None:
        args.level = logging.WARNING
    if getattr(args, "log", None) is None:
        args.log = "stdout"
    return args, mods


def main(argv: Sequence[str] | None = None) -> int:
    args, mods = parse(sys.argv[1:] if argv is None else argv)
    rc = mods[args.command].run(args)
    return int(rc or 0)


if __name__ == "__main__":
    raise SystemExit(main())
