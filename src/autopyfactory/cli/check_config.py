"""``autopyfactory check-config``: the effective configuration of every queue, and its problems."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.queue import SCHEDPLUGIN
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.loader import LoadedConfig, load


def _chain(s: ConfigSection) -> tuple[list[str], bool]:
    """The sched chain the queue runs, and whether it is the default (no ``schedplugin`` set)."""
    try:
        names = list(s.get(SCHEDPLUGIN) or ())
    except ConfigError:
        names = [s.raw(SCHEDPLUGIN.name) or ""]
    return names, SCHEDPLUGIN.name not in s


def _chain_line(s: ConfigSection) -> str:
    names, defaulted = _chain(s)
    if defaulted:
        return f"# chain: {', '.join(names)} (the default: schedplugin is not set)"
    return f"# chain: {', '.join(names)} (schedplugin, {s.origin_of(SCHEDPLUGIN.name)})"


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "check-config",
        parents=[common],
        help="print the effective configuration of every queue; exit 1 on errors",
        description="Load autopyfactory.conf, the queue files (after [DEFAULT], interpolation and the queues.d "
        "merge), mappings, monitor and auth files; print every queue's effective keys with the file each came "
        "from, then every problem. Exit status 1 when there is any error (the problems of a queue that says "
        "enabled = False are warnings: it does not run).",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--queue", action="append", help="only this queue (repeatable)")


def _section_json(s: ConfigSection) -> dict[str, dict[str, str]]:
    return {k: {"value": v.raw, "file": v.origin} for k, v in sorted(s.items())}


def _as_json(cfg: LoadedConfig, only: list[str] | None) -> dict[str, Any]:
    return {
        "conf": [str(p) for p in cfg.conf_files],
        "factory": _section_json(cfg.factory),
        "problems": [p.as_dict() for p in [*cfg.problems, *cfg.auth_problems]],
        "queues": {
            name: {
                "enabled": q.enabled,
                "ok": q.ok,
                "values": _section_json(q.section),
                "chain": _chain(q.section)[0],
                "chain_defaulted": _chain(q.section)[1],
                "problems": [p.as_dict() for p in q.problems],
            }
            for name, q in cfg.queues.items()
            if not only or name in only
        },
        "errors": sum(1 for p in _shown_problems(cfg, only) if p.level == "error"),
        "warnings": sum(1 for p in _shown_problems(cfg, only) if p.level == "warning"),
    }


def _shown_problems(cfg: LoadedConfig, only: list[str] | None) -> list[ConfigProblem]:
    """The factory's problems, those of the auth.conf/proxy.conf profiles and those of the selected
    queues, each once (a problem several queues share, such as a bad mapping or [Factory] key, is
    printed once)."""
    queues = [q for n, q in cfg.queues.items() if not only or n in only]
    return list(dict.fromkeys([*cfg.problems, *cfg.auth_problems, *(p for q in queues for p in q.problems)]))


def _print_section(title: str, s: ConfigSection) -> None:
    print(title)
    width = max((len(k) for k in s), default=0)
    for k, v in sorted(s.items()):
        print(f"{k.ljust(width)} = {v.raw}    ; {v.origin}")
    print()


def run(args: argparse.Namespace) -> int:
    try:
        cfg = load(args.conf)
    except ConfigError as exc:
        if args.json:
            print(json.dumps({"errors": 1, "problems": [exc.problem.as_dict()], "queues": {}}, indent=2))
        else:
            print(exc.problem, file=sys.stderr)
        return 1
    only = args.queue
    if args.json:
        print(json.dumps(_as_json(cfg, only), indent=2))
        return 1 if cfg.has_errors() else 0
    print("# configuration: " + ", ".join(str(p) for p in cfg.conf_files))
    _print_section("[Factory]", cfg.factory)
    for name, q in cfg.queues.items():
        if only and name not in only:
            continue
        state = "enabled" if q.enabled else "disabled"
        state += ", ok" if q.ok else f", {len(q.errors)} error(s): will not run"
        _print_section(f"[{name}]    # {state}\n{_chain_line(q.section)}", q.section)
    problems = _shown_problems(cfg, only)
    for p in problems:
        print(p)
    nerr = sum(1 for p in problems if p.level == "error")
    nwarn = len(problems) - nerr
    bad = sum(1 for n, q in cfg.queues.items() if not q.ok and (not only or n in only))
    total = len([n for n in cfg.queues if not only or n in only])
    print(f"\n{total} queue(s): {total - bad} ok, {bad} with errors; {nerr} error(s), {nwarn} warning(s)")
    return 1 if nerr else 0
