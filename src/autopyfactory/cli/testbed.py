"""``autopyfactory testbed``: a local PanDA-compatible server, and tools to feed it.

testbed serve  [--host H] [--port P] [--db FILE] [--sites NAME[:STATUS[:TIMEFLOOR]] ...]
               [--timefloor MIN] [--sent-timeout S] [--heartbeat-timeout S] [--max-attempts N]
               [--pilot3 DIR]
testbed submit --site S --jobs N --command '...' [--label L] [--url URL]
testbed site   --site S --status online|offline|test|brokeroff [--url URL]
testbed status [--url URL]
testbed real-pilot --queue Q [--url URL] [--workdir DIR] [--pilot-version V] [-- PILOT ARGS]
"""

from __future__ import annotations

import argparse
import logging
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

from autopyfactory.testbed.heartbeat import HEARTBEAT_TIMEOUT, MAX_ATTEMPTS, SENT_TIMEOUT
from autopyfactory.testbed.model import DEFAULT_TIMEFLOOR

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
        metavar="NAME[:STATUS[:TIMEFLOOR]]",
        help="sites to create, e.g. SITE_A:online SITE_B:test:0 (timefloor in minutes)",
    )
    s.add_argument(
        "--pilot3",
        default="",
        metavar="DIR",
        help="a PanDA pilot 3 source tree to serve as /testbed/pilot3.tar.gz (with its launcher)",
    )
    s.add_argument(
        "--timefloor",
        type=int,
        default=DEFAULT_TIMEFLOOR,
        help=f"minutes a pilot keeps taking jobs, for sites that do not say (default {DEFAULT_TIMEFLOOR})",
    )
    s.add_argument(
        "--sent-timeout",
        type=float,
        default=SENT_TIMEOUT,
        help=f"seconds a handed-out job waits for its pilot's first update (default {SENT_TIMEOUT:g}, PanDA's)",
    )
    s.add_argument(
        "--heartbeat-timeout",
        type=float,
        default=HEARTBEAT_TIMEOUT,
        help=f"seconds a started job may go without a heartbeat (default {HEARTBEAT_TIMEOUT:g}, PanDA's)",
    )
    s.add_argument(
        "--max-attempts",
        type=int,
        default=MAX_ATTEMPTS,
        help=f"a job lost that way is retried as a new job up to this attempt (default {MAX_ATTEMPTS})",
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

    rp = tsub.add_parser(
        "real-pilot",
        help="run the real PanDA pilot (panda-pilot from PyPI) against a testbed queue",
        description="Runs PanDA pilot 3 (its source fetched with pip into --cache) for one queue of a "
        "running testbed, with PILOT_NOKILL set and every URL it reads pointing at the testbed. "
        "Words after -- go to the pilot.",
    )
    rp.add_argument("--url", default=default_url, help=f"testbed URL (default {default_url})")
    rp.add_argument("--queue", required=True, help="the testbed site (PanDA queue) to take jobs from")
    rp.add_argument("--workdir", default=".", help="where the pilot makes its work directory (default .)")
    rp.add_argument("--pilot-version", default=None, help="panda-pilot version (default: the installed one)")
    rp.add_argument(
        "--cache",
        default="",
        help="where pilot sources are kept (default ~/.cache/autopyfactory/panda-pilot)",
    )
    rp.add_argument("pilot_args", nargs="*", metavar="PILOT_ARG", help="extra pilot.py arguments (after --)")


def run(args: argparse.Namespace) -> int:
    from autopyfactory.testbed.client import TestbedClient, TestbedError

    if args.testbed_command == "serve":
        return _serve(args)
    if args.testbed_command == "real-pilot":
        return _real_pilot(args)
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
    from autopyfactory.extras import MissingExtra, require_extra

    try:
        require_extra("testbed")
    except MissingExtra as exc:
        print(f"autopyfactory testbed serve: {exc}", file=sys.stderr)
        return 2
    from autopyfactory.cli.logging_setup import setup_logging
    from autopyfactory.testbed.heartbeat import HeartbeatPolicy
    from autopyfactory.testbed.model import parse_site_spec
    from autopyfactory.testbed.realpilot import pilot_tarball
    from autopyfactory.testbed.runner import serve_forever
    from autopyfactory.testbed.store import JobStore

    setup_logging(args.level if args.level != logging.WARNING else logging.INFO, args.log, False)
    try:
        if args.timefloor < 0:
            raise ValueError("--timefloor must not be negative")
        sites = [parse_site_spec(s, args.timefloor) for s in args.sites]
        policy = HeartbeatPolicy(args.sent_timeout, args.heartbeat_timeout, args.max_attempts)
        pilot3 = None
        if args.pilot3:
            if not (Path(args.pilot3) / "pilot.py").is_file():
                raise ValueError(f"--pilot3 {args.pilot3}: no pilot.py there (give a pilot 3 source tree)")
            pilot3 = pilot_tarball(Path(args.pilot3))
    except ValueError as exc:
        print(f"testbed serve: {exc}", file=sys.stderr)
        return 2
    store = JobStore(args.db, heartbeat=policy)
    for s in sites:  # a site named again keeps its other settings, takes the given status and timefloor
        old = store.site(s.name)
        store.put_site(s if old is None else replace(old, status=s.status, timefloor=s.timefloor))
    print(
        f"testbed: serving http://{args.host}:{args.port} (database {args.db}; sites: "
        f"{', '.join(f'{s.name}={s.status}' for s in store.sites()) or 'none'})",
        flush=True,
    )
    try:
        serve_forever(store, args.host, args.port, pilot3=pilot3)
    except OSError as exc:
        print(f"testbed serve: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0


def _real_pilot(args: argparse.Namespace) -> int:
    from autopyfactory.testbed.client import TestbedClient, TestbedError
    from autopyfactory.testbed.realpilot import RealPilotError, default_cache, pilot_run, pilot_source

    try:
        with TestbedClient(args.url) as c:
            if c.summary().site(args.queue) is None:
                print(
                    f"testbed real-pilot: the testbed at {args.url} has no queue {args.queue}",
                    file=sys.stderr,
                )
                return 2
        source = pilot_source(Path(args.cache) if args.cache else default_cache(), args.pilot_version)
        workdir = Path(args.workdir).resolve()
        workdir.mkdir(parents=True, exist_ok=True)
        run = pilot_run(source, args.url, args.queue, workdir, extra=tuple(args.pilot_args))
    except (TestbedError, RealPilotError) as exc:
        print(f"testbed real-pilot: {exc}", file=sys.stderr)
        return 1
    print(f"testbed real-pilot: running {source.name} for {args.queue} in {workdir}", flush=True)
    return subprocess.run(run.argv, env=run.env, cwd=workdir).returncode
