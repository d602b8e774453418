"""``autopyfactory testbed``: a local PanDA-compatible server, and tools to feed it.

testbed serve  [--host H] [--port P] [--db FILE] [--sites NAME[:STATUS] ...]
testbed submit --site S --jobs N --command '...' [--label L] [--url URL]
testbed site   --site S --status online|offline|test|brokeroff [--url URL]
testbed status [--url URL]
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

DEFAULT_PORT = 25080


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "testbed", parents=[common], help="a local PanDA-compatible server for tests and demos"
    )
    tsub = p.add_subparsers(dest="testbed_command", metavar="action", required=True)
    default_url = f"http://127.0.0.1:{DEFAULT_PORT}"

    s = tsub.add_parser("serve", help="run the server (SQLite-backed) until Ctrl-C")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    s.add_argument("--db", default="testbed.sqlite", help="SQLite file (':memory:' for none)")
    s.add_argument(
        "--sites",
        nargs="*",
        default=[],
        metavar="NAME[:STATUS]",
        help="sites to create, e.g. SITE_A:online SITE_B:test",
    )

    j = tsub.add_parser("submit", help="queue payload jobs at a site")
    j.add_argument("--url", default=default_url, help=f"testbed URL (default {default_url})")
    j.add_argument("--site", required=True)
    j.add_argument("--jobs", type=int, default=1, help="how many jobs (default 1)")
    j.add_argument("--command", dest="payload", required=True, help="the payload: a shell command")
    j.add_argument("--label", default="managed", help="prodSourceLabel (default managed)")

    t = tsub.add_parser("site", help="add a site or change its status")
    t.add_argument("--url", default=default_url, help=f"testbed URL (default {default_url})")
    t.add_argument("--site", required=True)
    t.add_argument("--status", required=True, choices=("online", "offline", "test", "brokeroff"))

    st = tsub.add_parser("status", help="jobs per site and state, pilots seen")
    st.add_argument("--url", default=default_url, help=f"testbed URL (default {default_url})")


def run(args: argparse.Namespace) -> int:
    from autopyfactory.testbed.client import TestbedClient, TestbedError

    if args.testbed_command == "serve":
        return _serve(args)
    try:
        with TestbedClient(args.url) as c:
            if args.testbed_command == "submit":
                if args.jobs < 1:
                    print("testbed submit: --jobs must be at least 1", file=sys.stderr)
                    return 2
                ids = c.submit(args.site, args.jobs, args.payload, args.label)
                print(f"queued {len(ids)} job(s) at {args.site}: PandaID {ids[0]}..{ids[-1]}")
            elif args.testbed_command == "site":
                c.set_site(args.site, args.status)
                print(f"site {args.site} is now {args.status}")
            else:
                for s in c.summary().sites:
                    jobs = " ".join(f"{k}={v}" for k, v in sorted(s.jobs.items())) or "no jobs"
                    print(
                        f"{s.site:<20} {s.status:<9} {jobs}; pilots={s.pilots} without job={s.pilots_without_job}"
                    )
    except TestbedError as exc:
        print(f"testbed: {exc}", file=sys.stderr)
        return 1
    return 0


def _serve(args: argparse.Namespace) -> int:
    from autopyfactory.cli.logging_setup import setup_logging
    from autopyfactory.testbed.model import parse_site_spec
    from autopyfactory.testbed.runner import serve_forever
    from autopyfactory.testbed.store import JobStore

    setup_logging(args.level if args.level != logging.WARNING else logging.INFO, args.log, False)
    try:
        sites = [parse_site_spec(s) for s in args.sites]
    except ValueError as exc:
        print(f"testbed serve: {exc}", file=sys.stderr)
        return 2
    store = JobStore(args.db)
    for s in sites:
        old = store.site(s.name)
        store.put_site(s if old is None else old)
        if old is not None and old.status != s.status:
            store.set_status(s.name, s.status)
    print(
        f"testbed: serving http://{args.host}:{args.port} (database {args.db}; sites: "
        f"{', '.join(f'{s.name}={s.status}' for s in store.sites()) or 'none'})",
        flush=True,
    )
    try:
        serve_forever(store, args.host, args.port)
    except OSError as exc:
        print(f"testbed serve: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0
