"""``autopyfactory simulate``: run the factory's decisions against a simulated grid, in virtual time.

Each policy (a sched plugin name, a comma list of plugins, or the queues of ``--conf`` as they are)
runs on a fresh world built from the scenario and seed, next to the clairvoyant lower bound."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from autopyfactory.cli.logging_setup import setup_logging
from autopyfactory.config.problems import ConfigError
from autopyfactory.plugins.registry import PluginNotFound
from autopyfactory.sim.plot import render
from autopyfactory.sim.queues import SimConfigError
from autopyfactory.sim.report import Comparison, plane, ratios, speed, table
from autopyfactory.sim.runner import (
    BUILTIN_POLICIES,
    NEW_POLICY,
    PEERS,
    PolicyRun,
    run_lower_bound,
    run_policy,
)
from autopyfactory.sim.scenario_load import ScenarioError, load_scenario
from autopyfactory.sim.trace import TraceError


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "simulate",
        parents=[common],
        help="run policies or your queues.conf against a simulated grid (virtual time)",
        description=(
            "Run the factory's real configuration loading, sched chains and cycle rules against a "
            "simulated world described by a scenario file, and report job waits and pilot use. "
            "--conf DIR runs the queues of that configuration; without it every site gets a queue "
            f"with the policy of --policy (default {NEW_POLICY})."
        ),
    )
    p.add_argument(
        "--scenario", required=True, metavar="FILE.toml", help="the scenario (see docs/simulation.md)"
    )
    p.add_argument(
        "--policy",
        action="extend",
        nargs="+",
        default=[],
        metavar="NAME",
        help=f"sched plugin(s) to run, or a comma list as one chain; built in: {', '.join(BUILTIN_POLICIES)}",
    )
    p.add_argument(
        "--compare", action="store_true", help="run every built-in policy on the same world and seed"
    )
    p.add_argument("--seed", type=int, help="override the scenario's seed")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set a queue key in every simulated queue (repeatable), e.g. sched.leadtime.wmslag=600",
    )
    p.add_argument("--json", metavar="OUT.json", help="write per-policy and per-WMS-queue results as JSON")
    p.add_argument("--plot", metavar="OUT.svg", help="write an SVG of every policy over time")


def _policies(args: argparse.Namespace, conf: str | None) -> list[str | None]:
    """What to run: None is the configuration's own chains."""
    wanted: list[str | None] = list(args.policy)
    if args.compare:
        wanted = [
            *([None] if conf else []),
            *BUILTIN_POLICIES,
            *(p for p in wanted if p not in BUILTIN_POLICIES),
        ]
    elif not wanted:
        wanted = [None] if conf else [NEW_POLICY]
    return list(dict.fromkeys(wanted))


def run(args: argparse.Namespace) -> int:
    setup_logging(args.level, args.log, args.console)
    overrides: dict[str, str] = {}
    for kv in args.set:
        if "=" not in kv:
            print(f"simulate: --set {kv!r}: expected KEY=VALUE", file=sys.stderr)
            return 2
        k, v = kv.split("=", 1)
        overrides[k.strip()] = v.strip()
    conf: str | None = getattr(args, "conf", None)
    try:
        scenario = load_scenario(args.scenario)
    except ScenarioError as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    if args.seed is not None:
        scenario = scenario.with_seed(args.seed)
    runs: list[PolicyRun] = []
    try:
        for policy in _policies(args, conf):
            runs.append(run_policy(scenario, policy, conf, overrides or None))
        lower = run_lower_bound(scenario)
    except (ScenarioError, TraceError, SimConfigError) as exc:
        print(f"simulate: {exc}", file=sys.stderr)
        return 2
    except (ConfigError, PluginNotFound) as exc:
        print(f"simulate: {getattr(exc, 'problem', exc)}", file=sys.stderr)
        return 2
    c = Comparison(scenario, runs, lower)
    sim = scenario.simulation
    print(
        f"scenario {scenario.name} ({scenario.path}): seed {sim.seed}, {sim.duration / 3600:g} h, cycle {sim.cycle:g} s"
    )
    if scenario.description:
        print(f"  {scenario.description}")
    print()
    print(table(c))
    print()
    print(plane(c))
    names = [r.name for r in runs]
    if NEW_POLICY in names and len(names) > 1:
        print()
        print(ratios(c, NEW_POLICY, [n for n in names if n != NEW_POLICY]))
    elif len(names) == 1:
        print()
        print(ratios(c, names[0], list(PEERS)))
    print()
    print(speed(c))
    notes = [f"{r.name}: {n}" for r in runs for n in r.notes]
    if notes:
        print("\nnotes:")
        for n in notes:
            print(f"  {n}")
    if args.json:
        Path(args.json).write_text(json.dumps(c.as_json(), indent=2) + "\n")
    if args.plot:
        title = f"{scenario.name} (seed {sim.seed})"
        Path(args.plot).write_text(render([*runs, lower], sim.duration, title))
    problems = [f"{r.name}: {p}" for r in [*runs, lower] for p in r.conservation]
    if problems:
        print("\nsimulation bookkeeping is inconsistent (a bug; please report it):", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return 1
    return 0
