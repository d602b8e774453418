"""``autopyfactory simulate-scheds``: run a queue's sched chain on numbers you give (like 2.4's
apf-simulate-scheds). Nothing is queried, nothing submitted: the chain is built and decided exactly as
the factory builds and decides it (``build_chain``, ``decide``), and each step is printed from the
decision's steps.

Missing data is expressed as the factory sees it: ``--activated none`` (or ``--no-wms``): no WMS
information, so no site status either; ``--pending none`` / ``--running none`` (or ``--no-batch``):
no batch information; ``--status none`` (or ``--no-site``): WMS counts but no site status. The sched
plugins then answer with 2.4's messages for those cases."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import WMSQUEUE
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.chain import build_chain
from autopyfactory.loading.loader import load
from autopyfactory.model.batch import BatchQueueInfo
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo
from autopyfactory.plugins.registry import PluginNotFound
from autopyfactory.sched.chain import decide


def count(text: str) -> int | None:
    """A number of jobs or pilots, or ``none`` (any spelling): the source gave no data."""
    if text.strip().lower() == "none":
        return None
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number or none, not {text!r}") from None


def snapshot(args: argparse.Namespace, qname: str, wmsqueue: str) -> QueueSnapshot:
    """The snapshot the options describe; missing data is None, as the engine passes it."""
    no_wms = args.no_wms or args.activated is None
    no_batch = args.no_batch or args.pending is None or args.running is None
    no_site = no_wms or args.no_site or args.status.strip().lower() == "none"
    batch = None
    if not no_batch:
        batch = BatchQueueInfo(pending=args.pending, running=args.running, suspended=args.suspended)
    total = args.total if args.total is not None else (batch.active if batch is not None else None)
    return QueueSnapshot(
        queue=qname,
        wmsqueue=wmsqueue,
        wms=None if no_wms else WMSQueueInfo(ready=args.activated),
        site=None if no_site else SiteInfo(args.status),
        batch=batch,
        factory_active=None if batch is None else total,
    )


def _shown(v: object) -> str:
    return "None" if v is None else str(v)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("simulate-scheds", parents=[common], help="run a queue's sched chain on given numbers")
    p.add_argument("--queue", help="APF queue (section) whose chain and keys to use")
    p.add_argument("--activated", type=count, default=0, help="WMS activated (ready) jobs; none: no WMS data")
    p.add_argument(
        "--pending", type=count, default=0, help="pending pilots of the queue; none: no batch data"
    )
    p.add_argument(
        "--running", type=count, default=0, help="running pilots of the queue; none: no batch data"
    )
    p.add_argument(
        "--suspended",
        type=int,
        default=0,
        help="suspended (held) pilots of the queue (KeepNQueueLife counts them)",
    )
    p.add_argument(
        "--status",
        default="online",
        help="site status: online, offline, test, brokeroff; none: no site status",
    )
    p.add_argument("--no-wms", action="store_true", help="no WMS data (as --activated none)")
    p.add_argument("--no-batch", action="store_true", help="no batch data (as --pending none)")
    p.add_argument("--no-site", action="store_true", help="no site status (as --status none)")
    p.add_argument(
        "--total",
        type=int,
        help="pending+running over the whole factory (MaxPerFactory); default pending+running",
    )
    p.add_argument("--schedplugin", help="chain to use instead of the queue's (comma list)")
    p.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", help="override a queue key (repeatable)"
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    overrides: dict[str, str] = {}
    for kv in args.set:
        if "=" not in kv:
            print(f"simulate-scheds: --set {kv!r}: expected KEY=VALUE", file=sys.stderr)
            return 2
        k, v = kv.split("=", 1)
        overrides[k.strip()] = v.strip()
    if args.schedplugin:
        overrides["schedplugin"] = args.schedplugin
    factory = ConfigSection.from_dict("Factory", {})
    if args.conf:
        try:
            cfg = load(args.conf)
        except ConfigError as exc:
            print(exc.problem, file=sys.stderr)
            return 1
        factory = cfg.factory
        names = list(cfg.queues)
        qname = args.queue
        if qname is None:
            if len(names) != 1:
                print(f"simulate-scheds: --queue is needed; queues: {', '.join(names)}", file=sys.stderr)
                return 2
            qname = names[0]
        if qname not in cfg.queues:
            print(
                f"simulate-scheds: no queue [{qname}] in the configuration; queues: {', '.join(names)}",
                file=sys.stderr,
            )
            return 2
        section = cfg.queues[qname].section.with_values(overrides, "--set")
    else:
        qname = args.queue or "SIMULATED"
        section = ConfigSection.from_dict(qname, overrides, "--set")
    try:
        chain = build_chain(section, factory)
    except ConfigError as exc:
        print(exc.problem, file=sys.stderr)
        return 1
    except PluginNotFound as exc:
        print(exc, file=sys.stderr)
        return 1
    snap = snapshot(args, qname, section.get(WMSQUEUE) or qname)
    decision = decide(chain, snap)
    if args.json:
        steps = [
            {"plugin": s.plugin, "in": s.input, "out": s.output, "message": s.message} for s in decision.steps
        ]
        print(
            json.dumps(
                {"queue": qname, "steps": steps, "result": decision.n, "message": decision.message}, indent=2
            )
        )
        return 0
    site = snap.site.status if snap.site is not None else None
    print(
        f"queue {qname}: activated={_shown(snap.activated)} pending={_shown(snap.pending)} "
        f"running={_shown(snap.running)} status={_shown(site)}"
    )
    width = max(len(s.plugin) for s in decision.steps)
    for step in decision.steps:
        print(f"  {step.plugin.ljust(width)}  {step.input:>6} -> {step.output:<6}  {step.message}")
    print(f"result: {decision.n}")
    print(f"message: {decision.message}")
    return 0
