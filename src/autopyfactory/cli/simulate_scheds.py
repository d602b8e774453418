"""``autopyfactory simulate-scheds``: run a queue's sched chain on numbers you give (like 2.4's
apf-simulate-scheds). Nothing is queried, nothing submitted."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from autopyfactory.config.loader import load
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection
from autopyfactory.model.batch import BatchQueueInfo
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import SiteInfo, WMSQueueInfo
from autopyfactory.plugins.registry import PluginNotFound
from autopyfactory.sched.chain import build_chain


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("simulate-scheds", parents=[common], help="run a queue's sched chain on given numbers")
    p.add_argument("--queue", help="APF queue (section) whose chain and keys to use")
    p.add_argument("--activated", type=int, default=0, help="WMS activated (ready) jobs")
    p.add_argument("--pending", type=int, default=0, help="pending pilots of the queue")
    p.add_argument("--running", type=int, default=0, help="running pilots of the queue")
    p.add_argument("--status", default="online", help="site status: online, offline, test, brokeroff")
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
    except (ConfigError, PluginNotFound) as exc:
        print(getattr(exc, "problem", exc), file=sys.stderr)
        return 1
    total = args.total if args.total is not None else args.pending + args.running
    snap = QueueSnapshot(
        queue=qname,
        wmsqueue=section.raw("wmsqueue") or qname,
        wms=WMSQueueInfo(ready=args.activated),
        site=SiteInfo(args.status),
        batch=BatchQueueInfo(pending=args.pending, running=args.running),
        factory_active=total,
    )
    n = 0
    steps = []
    for plugin in chain:
        r = plugin.calc(n, snap)
        steps.append({"plugin": plugin.name, "in": n, "out": r.n, "message": r.message})
        n = r.n
    full = ";".join(s["message"] for s in steps if s["message"])
    if args.json:
        print(json.dumps({"queue": qname, "steps": steps, "result": n, "message": full}, indent=2))
        return 0
    print(
        f"queue {qname}: activated={args.activated} pending={args.pending} running={args.running} status={args.status}"
    )
    width = max(len(s["plugin"]) for s in steps)
    for s in steps:
        print(f"  {s['plugin'].ljust(width)}  {s['in']:>6} -> {s['out']:<6}  {s['message']}")
    print(f"result: {n}")
    print(f"message: {full}")
    return 0
