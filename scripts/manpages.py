#!/usr/bin/env python3
"""Man pages of ``autopyfactory`` and each of its commands, generated from the argument parser
(argparse-manpage), so they list exactly the options the command takes.

autopyfactory(1) covers the command line and the factory (the default command); each command
has its own page, autopyfactory-<command>(1), with its actions (``monitor serve``, ``wrapper
bundle``, ...). The packages install them; ``make packages`` runs this.

Usage: scripts/manpages.py --out DIR [--version V]"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from argparse_manpage.manpage import Manpage

from autopyfactory import __version__
from autopyfactory.cli.main import COMMANDS, build_parser

MANUAL = "autopyfactory manual"
DESCRIPTION = "pilot factory coupling pilot flow to queued work (APF 2.4 compatible)"

FILES = r""".TP
.I /etc/autopyfactory/autopyfactory.conf
The factory's settings ([Factory]).
.TP
.I /etc/autopyfactory/queues.conf\fR, \fI/etc/autopyfactory/queues.d/*.conf
The queues: queues.conf, then every *.conf of queues.d in lexical order (package-manager
leftovers such as *.rpmnew, *.rpmsave and *.dpkg-dist, backups and hidden files are not read).
.TP
.I /etc/autopyfactory/auth.conf\fR, \fI/etc/autopyfactory/monitor.conf
Credential profiles; the monitors queues report to.
.TP
.I /etc/sysconfig/autopyfactory\fR, \fI/etc/default/autopyfactory
The service's OPTIONS, CONFFILE and GRIDSETUP (read as APF 2.4's init script read them).
.TP
.I /var/log/autopyfactory/
The factory's log and the pilots' logs.
.TP
.I /var/lib/autopyfactory/
The factory's state (statedir)."""

SIGNALS = r""".TP
.B SIGHUP
Re-read the configuration; restart only the queues that were added, removed or changed
(systemctl reload autopyfactory).
.TP
.BR SIGTERM ", " SIGINT
Stop after in-flight submissions, within [Factory] shutdown.grace (30 s) + 5 s; a second signal
exits at once."""

EXIT = r"""0 when stopped as asked; 1 when the configuration cannot be used, or when --oneshot or
--cycles N was given and no queue can run; 2 for a bad command line."""


def source_date() -> str:
    epoch = int(os.environ.get("SOURCE_DATE_EPOCH", time.time()))
    return time.strftime("%Y-%m-%d", time.gmtime(epoch))


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parsers of ``parser``'s commands, by name."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def page(parser: argparse.ArgumentParser, name: str, description: str, version: str) -> Manpage:
    m = Manpage(
        parser,
        {
            "project_name": "autopyfactory",
            "version": version,
            "manual_title": MANUAL,
            "manual_section": 1,
            "description": description,
            "date": source_date(),
        },
    )
    m.prog = name  # the page's title and NAME: autopyfactory-check-config, not "autopyfactory check-config"
    return m


def helps(parser: argparse.ArgumentParser) -> dict[str, str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help or "" for a in action._choices_actions}
    return {}


def generate(out: Path, version: str = __version__) -> list[Path]:
    """Write autopyfactory.1 and autopyfactory-<command>.1 for every command into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    parser, _ = build_parser(None)
    commands = subcommands(parser)
    descriptions = helps(parser)
    see_also = ", ".join(rf"\fBautopyfactory\-{c.replace('-', chr(92) + '-')}\fR(1)" for c in commands)
    main = page(parser, "autopyfactory", DESCRIPTION, version)
    main.add_section("signals", ">", SIGNALS)
    main.add_section("exit status", ">", EXIT)
    main.add_section("files", ">", FILES)
    main.add_section("see also", ">", see_also)
    written = [out / "autopyfactory.1"]
    written[0].write_text(str(main))
    for name, sub in commands.items():
        m = page(sub, f"autopyfactory-{name}", descriptions.get(name, ""), version)
        m.add_section("see also", ">", r"\fBautopyfactory\fR(1)")
        path = out / f"autopyfactory-{name}.1"
        path.write_text(str(m))
        written.append(path)
    missing = sorted(set(COMMANDS) - set(commands))
    if missing:  # a command whose module cannot be imported here would lose its page
        raise SystemExit(f"manpages: commands without a parser: {', '.join(missing)}")
    return written


def main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True, help="directory for the pages")
    p.add_argument("--version", default=__version__, help="version the pages name")
    args = p.parse_args(argv)
    for path in generate(args.out, args.version):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
