"""``autopyfactory run``: the factory daemon (the default command)."""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
from typing import TYPE_CHECKING, Any

from autopyfactory import __version__
from autopyfactory.cli.logging_setup import setup_logging
from autopyfactory.config.keys import finite_float
from autopyfactory.config.problems import ConfigError
from autopyfactory.sched.base import py2str

if TYPE_CHECKING:
    from autopyfactory.engine.factory import RunOptions

log = logging.getLogger("autopyfactory.cli")


def add_options(p: argparse.ArgumentParser) -> None:
    """``run``'s own options (also accepted before any command, as 2.4 command lines give them)."""
    p.add_argument(
        "--oneshot", "--one-shot", dest="cycles", action="store_const", const=1, help="run one cycle"
    )
    p.add_argument("--cycles", type=int, help="run N cycles, then exit")
    p.add_argument(
        "--sleep",
        type=finite_float,
        metavar="S",
        help="accepted and ignored, as 2.4 ignored it (2.4's sysconfig passes --sleep=60): every queue "
        "keeps its apfqueue.sleep; see --queue-sleep",
    )
    p.add_argument(
        "--queue-sleep",
        type=finite_float,
        metavar="S",
        help="seconds between a queue's cycles for every queue (overrides apfqueue.sleep)",
    )


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    add_options(sub.add_parser("run", parents=[common], help="run the factory (the default command)"))


def run_options(args: argparse.Namespace) -> RunOptions:
    """The engine options of a ``run`` command line. 2.4's ``--sleep`` changes nothing (2.4 wrote it
    into a key nothing read), so a 2.4 command line keeps every queue's ``apfqueue.sleep``."""
    from autopyfactory.engine.factory import RunOptions

    sleep = getattr(args, "sleep", None)
    if sleep is not None:
        log.info(
            "--sleep=%s ignored, as 2.4 ignored it: every queue cycles every apfqueue.sleep "
            "(use --queue-sleep to override it)",
            py2str(sleep),
        )
    return RunOptions(
        conf=args.conf, cycles=getattr(args, "cycles", None), sleep=getattr(args, "queue_sleep", None)
    )


def drop_privileges(user: str, logfile: logging.Handler | None) -> None:
    """As root: chown the log file, switch to ``user`` (gid, groups, uid), set HOME and chdir there."""
    import pwd

    if os.getuid() != 0:
        log.warning("--runas %s ignored: not running as root", user)
        return
    pw = pwd.getpwnam(user)
    if logfile is not None and hasattr(logfile, "baseFilename"):
        os.chown(logfile.baseFilename, pw.pw_uid, pw.pw_gid)
    os.setgroups(os.getgrouplist(pw.pw_name, pw.pw_gid))
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    os.environ["HOME"] = pw.pw_dir
    os.environ["USER"] = os.environ["LOGNAME"] = pw.pw_name
    os.chdir(pw.pw_dir)
    log.info("running as %s (uid %d)", pw.pw_name, pw.pw_uid)


def run(args: argparse.Namespace) -> int:
    fh = setup_logging(args.level, args.log, getattr(args, "console", False))
    log.info("autopyfactory %s on %s, python %s", __version__, platform.node(), platform.python_version())
    log.debug("environment: %s", dict(os.environ))
    if getattr(args, "runas", None):
        try:
            drop_privileges(args.runas, fh)
        except (KeyError, PermissionError, OSError) as exc:
            log.error("--runas %s failed: %s", args.runas, exc)
            return 1
    from autopyfactory.engine.daemon import Daemon
    from autopyfactory.engine.factory import Factory, FactoryConfigError

    opts = run_options(args)
    opts.hard_exit = True  # the process is ours: after a stop signal it exits for sure
    try:
        factory = Factory(opts)
    except (ConfigError, FactoryConfigError) as exc:
        log.error("cannot start: %s", exc)
        print(f"autopyfactory: cannot start: {exc}", file=sys.stderr)
        return 1
    daemon = Daemon(factory)
    rc = daemon.run()
    if rc and daemon.exit_reason:
        print(f"autopyfactory: {daemon.exit_reason}", file=sys.stderr)
    if factory.abandoned:
        # plugin calls past their deadline still run in daemon threads: end the process now, before
        # interpreter shutdown could trip over them (they are named in the log)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(rc)
    return rc
