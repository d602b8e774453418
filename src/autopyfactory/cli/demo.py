"""``autopyfactory demo``: the whole loop on one machine.

A local PanDA-compatible testbed with three sites (online, test, offline) gets a few hundred short
payload jobs; the factory, configured from CRIC (the testbed's) with queues that name only PanDA
queue nicknames, submits local pilots (wrapper, then reference pilot, then payload) until the work
has drained. It prints each cycle's decisions as they are made and a summary, and stops every
process it started, also on Ctrl-C."""

from __future__ import annotations

import argparse
import getpass
import logging
import shutil
import sys
from pathlib import Path
from typing import Any

from autopyfactory.cli.logging_setup import setup_logging


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "demo", parents=[common], help="the whole loop on one machine: testbed, factory, pilots"
    )
    p.add_argument("--dir", default="demo-run", help="where the configuration, logs and state go")
    p.add_argument("--jobs", type=int, default=300, help="payload jobs at the online site (default 300)")
    p.add_argument("--test-jobs", type=int, default=12, help="jobs at the test site (default 12)")
    p.add_argument("--offline-jobs", type=int, default=20, help="jobs at the offline site (default 20)")
    p.add_argument("--payload", default="sleep 0.2", help="what each payload runs (default 'sleep 0.2')")
    p.add_argument("--sleep", type=float, default=3.0, help="seconds between cycles (default 3)")
    p.add_argument("--slots", type=int, default=10, help="local pilots running at once (default 10)")
    p.add_argument("--timeout", type=float, default=900.0, help="give up after this many seconds")
    p.add_argument(
        "--keep", action="store_true", help="keep an existing demo directory (default: start afresh)"
    )
    p.add_argument("--verbose", action="store_true", help="factory log on the console too")
    p.add_argument(
        "--real-pilot",
        action="store_true",
        help="pilots run the real PanDA pilot (panda-pilot, fetched with pip) instead of the testbed's"
        " reference pilot; slower (see docs/testbed.md)",
    )


def run(args: argparse.Namespace) -> int:
    from autopyfactory.extras import MissingExtra, require_extra

    try:
        require_extra("testbed")  # the demo's PanDA is the testbed's server
    except MissingExtra as exc:
        print(f"autopyfactory demo: {exc}", file=sys.stderr)
        return 2
    from autopyfactory.demo.report import printer, summary_lines
    from autopyfactory.demo.run import DemoOptions, run_demo

    base = Path(args.dir).resolve()
    if base.exists() and not args.keep:
        shutil.rmtree(base)
    base.mkdir(parents=True, exist_ok=True)
    level = args.level if args.level != logging.WARNING else logging.INFO
    log_target = args.log if args.log != "stdout" or args.verbose else str(base / "factory.log")
    setup_logging(level, log_target, args.verbose and log_target != "stdout")
    real_pilot = None
    if args.real_pilot:
        from autopyfactory.testbed.realpilot import RealPilotError, default_cache, pilot_source

        try:
            real_pilot = pilot_source(default_cache())
        except RealPilotError as exc:
            print(f"demo: --real-pilot: {exc}", file=sys.stderr)
            return 2
    opts = DemoOptions(
        base=base,
        user=getpass.getuser(),
        jobs=args.jobs,
        test_jobs=args.test_jobs,
        offline_jobs=args.offline_jobs,
        payload=args.payload,
        sleep=args.sleep,
        slots=args.slots,
        timeout=args.timeout,
        real_pilot=real_pilot,
    )
    print(f"demo: configuration in {base / 'etc'}; factory log {log_target}; pilot logs in {base / 'logs'}")
    print(
        f"demo: testbed sites {opts.sites.online} (online), {opts.sites.test} (test), {opts.sites.offline} (offline);"
        f" {args.jobs} + {args.test_jobs} + {args.offline_jobs} jobs; a cycle every {args.sleep:g}s\n",
        flush=True,
    )
    res = run_demo(opts, printer(lambda line: print(line, flush=True)))
    print()
    for line in summary_lines(res):
        print(line)
    if res.interrupted:
        return 130
    return 0 if res.drained else 1
