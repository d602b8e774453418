"""``autopyfactory queue-status``: pilot counts per queue from the batch status plugins (read-only:
the plugins get a read-only context, so nothing is started, changed or settled)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from autopyfactory.cli.tool_config import load_for_tool, tool_context
from autopyfactory.config.problems import ConfigError
from autopyfactory.engine.status_hub import StatusHub, StatusKey
from autopyfactory.loading.batchstatus import batchstatus_plugin_name
from autopyfactory.model.batch import BATCH_ATTRIBUTES, BatchView
from autopyfactory.plugins.registry import PluginNotFound, registry
from autopyfactory.plugins.status import BATCHSTATUS


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "queue-status", parents=[common], help="pilot counts per queue (one query per batch source)"
    )
    p.add_argument("--queue", action="append", help="only this queue (repeatable)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for the batch sources")
    p.add_argument(
        "--by-jobstatus",
        action="store_true",
        help="raw HTCondor JobStatus counts (idle, running, held, ...) instead of APF's buckets",
    )


def run(args: argparse.Namespace) -> int:
    loaded = load_for_tool(args.conf, "queue-status")
    if loaded is None:
        return 1
    cfg, settings = loaded
    ctx = tool_context(cfg, settings)
    hub = StatusHub(ctx, registry)
    keys: dict[str, StatusKey] = {}
    problems: dict[str, str] = {}
    for name, q in cfg.queues.items():
        if args.queue and name not in args.queue:
            continue
        try:
            status_name = batchstatus_plugin_name(q.section)
            if status_name is None:
                problems[name] = "; ".join(str(p) for p in q.errors) or "its batch submit plugin is unknown"
                continue
            keys[name], _ = hub.instance(BATCHSTATUS, status_name, q.section)
        except (PluginNotFound, ConfigError, Exception) as exc:
            problems[name] = str(getattr(exc, "problem", exc))
    results = hub.poll(set(keys.values()), args.timeout)
    rows: dict[str, dict[str, Any]] = {}
    for name, key in keys.items():
        r = results.get(key)
        if r is None or not isinstance(r.view, BatchView):
            rows[name] = {"source": key[1], "error": r.error if r else "no data"}
            continue
        info = r.view.queue(name)
        rows[name] = {"source": key[1], **{a: getattr(info, a) for a in BATCH_ATTRIBUTES}}
    for name, err in problems.items():
        rows[name] = {"error": err}
    if getattr(args, "by_jobstatus", False):
        return _print_jobstatus(hub, keys, rows, args.json)
    hub.close()
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
        return 1 if any("error" in r for r in rows.values()) else 0
    cols = ("pending", "running", "suspended", "done")
    width = max([len(n) for n in rows] + [5])
    print(f"{'queue'.ljust(width)}  {'source':<8}" + "".join(f"{c:>10}" for c in cols))
    for name in sorted(rows):
        row = rows[name]
        if "error" in row:
            print(f"{name.ljust(width)}  {row.get('source', '-'):<8}  error: {row['error']}")
        else:
            print(f"{name.ljust(width)}  {row['source']:<8}" + "".join(f"{row[c]:>10}" for c in cols))
    return 1 if any("error" in r for r in rows.values()) else 0


def _print_jobstatus(
    hub: StatusHub, keys: dict[str, StatusKey], rows: dict[str, dict[str, Any]], as_json: bool
) -> int:
    """Per queue JobStatus counts from sources that keep them (Condor), like 2.4's apf-queue-status."""
    from autopyfactory.batch.htcondor.jobs import JOB_STATUS_NAMES

    names = [JOB_STATUS_NAMES[i] for i in range(8)]
    out: dict[str, dict[str, Any]] = {}
    for name, key in keys.items():
        inst = hub.get(key)
        raw = getattr(inst, "raw_counts", None)
        if "error" in rows.get(name, {}) or raw is None:
            out[name] = {"error": rows.get(name, {}).get("error", f"{key[1]} has no JobStatus counts")}
            continue
        counts = raw().get(name, {})
        out[name] = {JOB_STATUS_NAMES.get(s, str(s)): n for s, n in sorted(counts.items())}
    for name, r in rows.items():
        out.setdefault(name, {"error": r.get("error", "")})
    hub.close()
    if as_json:
        print(json.dumps(out, indent=2, sort_keys=True))
    else:
        width = max([len(n) for n in out] + [5])
        print("queue".ljust(width) + "".join(f"{c.split('_')[0].upper():>13}" for c in names))
        for name in sorted(out):
            r = out[name]
            if "error" in r:
                print(f"{name.ljust(width)}  error: {r['error']}")
            else:
                print(name.ljust(width) + "".join(f"{r.get(c, 0):>13}" for c in names))
    return 1 if any("error" in r for r in out.values()) else 0
