"""``autopyfactory auth status [--json]``: every auth profile, its kind, each credential's time
left, audience and scopes or FQANs, last renewal and last error. Read-only (renews nothing). Exit
status 1 when a credential would be refused now (missing, expired, below minlife) or a profile has
configuration errors."""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

from autopyfactory.cli.tool_config import load_for_tool


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("auth", parents=[common], help="credentials: auth status")
    verbs = p.add_subparsers(dest="auth_command", metavar="verb", required=True)
    st = verbs.add_parser(
        "status",
        parents=[common],
        help="every auth profile: kind, time left, audience/scopes or FQANs, last renewal, last error",
    )
    st.add_argument("--json", action="store_true", help="machine-readable output")


def _ago(t: float | None, now: float) -> str:
    from autopyfactory.auth.times import duration, when

    return "never" if t is None else f"{when(t)} ({duration(now - t)} ago)"


def run(args: argparse.Namespace) -> int:
    from autopyfactory.auth.report import as_json, build_report
    from autopyfactory.auth.times import duration, when
    from autopyfactory.plugins.registry import registry

    loaded = load_for_tool(args.conf, "auth status")
    if loaded is None:
        return 1
    cfg, settings = loaded
    now = time.time()
    profiles, state = build_report(cfg.auth, settings.state_dir, registry)
    bad = any(p.problems or not all(c.usable(now) for c in p.credentials) for p in profiles)
    if args.json:
        print(json.dumps(as_json(profiles, state, now), indent=2))
        return 1 if bad else 0
    if state is None:
        print(f"state file: none in {settings.state_dir / 'auth'} (the factory has not run its auth manager)")
    else:
        print(f"state file: written {_ago(state.written_at, now)} by pid {state.pid}")
    if not profiles:
        print("no auth profiles (auth.conf / proxy.conf)")
    for p in profiles:
        print(f"\n[{p.name}] {p.plugin} ({p.kind}) from {p.origin}")
        for problem in p.problems:
            print(f"  config {problem}")
        for c in p.credentials:
            left = c.time_left(now)
            if not c.exists:
                head = "MISSING"
            elif left is None:
                head = "lifetime unknown"
            elif left <= 0:
                head = f"EXPIRED {when(c.expires_at or 0)}"
            else:
                head = f"{duration(left)} left (expires {when(c.expires_at or 0)})"
                if left < c.minlife:
                    head += f" REFUSED: below minlife {c.minlife}s"
            print(f"  {c.audience or c.path or '(no credential yet)'}: {head}")
            if c.path and c.audience:
                print(f"    file: {c.path}")
            if c.scopes:
                print(f"    scopes: {' '.join(c.scopes)}")
            if c.fqans:
                print(f"    FQAN: {', '.join(c.fqans)}")
            if c.issuer or c.subject:
                print(f"    issuer: {c.issuer or '-'}  subject: {c.subject or '-'}")
            if c.issued_at is not None:
                print(f"    issued: {_ago(c.issued_at, now)}")
            if p.kind != "ssh":
                print(f"    last renewal: {_ago(c.last_renewal, now)}  last check: {_ago(c.last_check, now)}")
                print(f"    last error: {c.last_error or '-'}")
            if c.note:
                print(f"    note: {c.note}")
    return 1 if bad else 0
