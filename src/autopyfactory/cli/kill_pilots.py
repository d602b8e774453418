"""``autopyfactory kill-pilots --queue Q [--status S]``: remove a queue's pilots (apf-kill-pilots)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from autopyfactory.cli.tool_config import load_for_tool, tool_context
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import BATCHSUBMIT_PLUGIN
from autopyfactory.plugins.registry import PluginNotFound, registry
from autopyfactory.plugins.submit import BATCHSUBMIT


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("kill-pilots", parents=[common], help="remove a queue's pilots from its batch system")
    p.add_argument("--queue", required=True, action="append", help="the APF queue (repeatable)")
    p.add_argument(
        "--status", help="only pilots in this state (idle, running, held, ... or a JobStatus number)"
    )
    p.add_argument("--dry-run", action="store_true", help="list the pilots, remove nothing")


def _wanted(state: str, status: str | None) -> bool:
    if status is None:
        return True
    from autopyfactory.batch.htcondor.jobs import JOB_STATUS_NAMES, status_code

    try:
        return state == JOB_STATUS_NAMES.get(status_code(status), status.lower())
    except ValueError:
        return state.lower() == status.lower()


def run(args: argparse.Namespace) -> int:
    loaded = load_for_tool(args.conf, "kill-pilots")
    if loaded is None:
        return 1
    cfg, settings = loaded
    ctx = tool_context(cfg, settings, writes=not args.dry_run)
    rc = 0
    for queue in args.queue:
        qc = cfg.queues.get(queue)
        if qc is None or not qc.ok:
            why = "no such queue" if qc is None else "; ".join(str(p) for p in qc.errors)
            print(f"kill-pilots: [{queue}]: {why}", file=sys.stderr)
            rc = 1
            continue
        name = qc.section.get(BATCHSUBMIT_PLUGIN)
        try:
            plugin = registry.get(BATCHSUBMIT, name)(ctx, qc.section)
            ids = [p.pilot_id for p in plugin.list_pilots() if _wanted(p.state, args.status)]
            if ids and not args.dry_run:
                plugin.remove(ids)
        except (PluginNotFound, ConfigError, NotImplementedError, RuntimeError) as exc:
            print(f"kill-pilots: [{queue}]: {getattr(exc, 'problem', exc)}", file=sys.stderr)
            rc = 1
            continue
        verb = "would remove" if args.dry_run else "removed"
        print(f"{queue}: {verb} {len(ids)} pilot(s)" + (f": {' '.join(ids)}" if ids else ""))
    return rc
