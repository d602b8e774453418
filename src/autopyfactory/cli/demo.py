"""``autopyfactory demo``: run the factory on its embedded defaults with local pilots."""

from __future__ import annotations

import argparse
import getpass
import logging
import shutil
import time
from pathlib import Path
from typing import Any

from autopyfactory.cli.logging_setup import setup_logging


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("demo", parents=[common], help="run the factory on embedded defaults (local pilots)")
    p.add_argument("--dir", default="demo-run", help="where to write the demo configuration, logs and state")
    p.add_argument("--cycles", type=int, default=4, help="cycles to run")
    p.add_argument("--sleep", type=float, default=3.0, help="seconds between cycles")
    p.add_argument(
        "--keep", action="store_true", help="keep an existing demo directory (default: start afresh)"
    )


def run(args: argparse.Namespace) -> int:
    from autopyfactory.demo.embedded import write_tree
    from autopyfactory.engine.factory import CycleReport, Factory, RunOptions

    level = args.level if args.level != logging.WARNING else logging.INFO
    setup_logging(level, args.log, getattr(args, "console", False))
    base = Path(args.dir).resolve()
    if base.exists() and not args.keep:
        shutil.rmtree(base)
    conf = write_tree(base, getpass.getuser())
    print(f"demo: configuration in {conf} (autopyfactory.conf, queues.conf, queues.d/, monitor.conf)")
    print(
        f"demo: {args.cycles} cycles, {args.sleep:.0f}s apart; pilots are local processes, logs in {base / 'logs'}\n"
    )
    factory = Factory(RunOptions(conf=str(conf), cycles=args.cycles, sleep=args.sleep))
    table: list[tuple[int, str, str, str]] = []

    def record(report: CycleReport) -> None:
        for o in report.outcomes:
            table.append((report.number, o.queue, str(o.decision.n) if o.decision else "-", o.action))

    factory.on_cycle.append(record)
    t0 = time.time()
    rc = factory.run()
    print(f"\ndemo: per-cycle decisions ({time.time() - t0:.1f}s)")
    print(f"{'cycle':>5}  {'queue':<22} {'decision':>8}  action")
    for c, q, n, a in table:
        print(f"{c:>5}  {q:<22} {n:>8}  {a}")
    return rc
