"""``autopyfactory demo``: the whole loop on one machine.

A local PanDA-compatible testbed with three sites (online, test, offline) gets a few hundred short
payload jobs; the factory, configured from CRIC (the testbed's) with queues that name only PanDA
queue nicknames, submits local pilots (wrapper, then reference pilot, then payload) until the work
has drained. It prints each cycle's decisions as they are made and a summary, and stops every
process it started, also on Ctrl-C.

It starts the monitor too (unless ``--no-monitor``) and prints its dashboard's URL first: the queues
report to it every cycle. Run from a terminal, the dashboard stays up after the demo until Ctrl-C
(``--hold``/``--no-hold``)."""

from __future__ import annotations

import argparse
import getpass
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from autopyfactory.cli.logging_setup import setup_logging

if TYPE_CHECKING:
    from autopyfactory.demo.monitor import DemoMonitor


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
        "--monitor",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="start the monitor and its dashboard too, the queues reporting to it every cycle (the"
        " default when the 'monitor' extra is installed); --no-monitor: the queues report to the log",
    )
    p.add_argument(
        "--monitor-port",
        type=int,
        default=8080,
        help="the dashboard's port on 127.0.0.1 (default 8080; another free port when it is taken)",
    )
    p.add_argument(
        "--hold",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="after the demo, keep the dashboard up until Ctrl-C (default: when run from a terminal)",
    )
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
    from autopyfactory.demo.monitor import MonitorStartError

    try:
        monitor = _start_monitor(args, base)
    except MonitorStartError as exc:
        print(f"demo: cannot start the monitor: {exc} (--no-monitor runs without it)", file=sys.stderr)
        return 2
    try:
        return _run(args, base, log_target, real_pilot, monitor)
    finally:
        if monitor is not None:
            monitor.stop()


def _start_monitor(args: argparse.Namespace, base: Path) -> DemoMonitor | None:
    """The started monitor (None: not asked for, or by default and its extra is missing)."""
    from autopyfactory.demo.monitor import DemoMonitor, pick_port
    from autopyfactory.extras import missing_modules

    if args.monitor is False:
        return None
    if args.monitor is None and missing_modules("monitor"):
        print(
            "demo: no dashboard: the 'monitor' extra is not installed (pip install 'autopyfactory[monitor]')",
            file=sys.stderr,
        )
        return None
    port = pick_port(args.monitor_port)
    if args.monitor_port and port != args.monitor_port:
        print(f"demo: port {args.monitor_port} is taken; the dashboard goes on port {port}")
    monitor = DemoMonitor(base, port)
    monitor.start()
    return monitor


def _run(
    args: argparse.Namespace,
    base: Path,
    log_target: str,
    real_pilot: Path | None,
    monitor: DemoMonitor | None,
) -> int:
    from autopyfactory.demo.report import printer, summary_lines
    from autopyfactory.demo.run import DemoOptions, run_demo

    if monitor is not None:
        print(f"demo: dashboard {monitor.url} (the factory reports every cycle to {monitor.api_url})")
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
        monitor_url=monitor.api_url if monitor is not None else "",
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
    hold = args.hold if args.hold is not None else sys.stdin.isatty() and sys.stdout.isatty()
    if monitor is not None:
        print(f"demo: dashboard {monitor.url}")
        if hold:
            _hold(monitor.url)
    return 0 if res.drained else 1


def _hold(url: str) -> None:
    print(f"demo: the dashboard stays up at {url} until Ctrl-C", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        print()
