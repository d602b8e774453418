"""``autopyfactory check-config``: the effective configuration of every queue, and its problems."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from autopyfactory.config.problems import ConfigError, ConfigProblem
from autopyfactory.config.queue import SCHEDPLUGIN
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.effective import EffectiveKey, Source, factory_effective, queue_effective
from autopyfactory.loading.loader import LoadedConfig, load
from autopyfactory.plugins.registry import registry


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
        "from, then every problem, then notes on defaults the queues rely on. Exit status 1 when there is any "
        "error (the problems of a queue that says enabled = False are warnings: it does not run), or, with "
        "--strict, any warning.",
    )
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--queue", action="append", help="only this queue (repeatable)")
    p.add_argument(
        "--defaults",
        action="store_true",
        help="every effective key, set or not: its value, its default and where the value came from "
        "(a file and section, the default, or derived from other keys, the section name, the host)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="warnings count as errors (exit status 1): for use before a start or a reload",
    )


def _section_json(s: ConfigSection) -> dict[str, dict[str, str]]:
    return {k: {"value": v.raw, "file": v.origin} for k, v in sorted(s.items())}


def _selected(cfg: LoadedConfig, only: list[str] | None) -> dict[str, Any]:
    return {n: q for n, q in cfg.queues.items() if not only or n in only}


def _as_json(cfg: LoadedConfig, only: list[str] | None, defaults: bool, strict: bool) -> dict[str, Any]:
    shown = _shown_problems(cfg, only)
    out: dict[str, Any] = {
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
                "notes": [p.as_dict() for p in q.notes],
            }
            for name, q in _selected(cfg, only).items()
        },
        "errors": sum(1 for p in shown if p.level == "error"),
        "warnings": sum(1 for p in shown if p.level == "warning"),
        "strict": strict,
    }
    if defaults:
        out["factory_effective"] = [e.as_dict() for e in _factory_effective(cfg)]
        for name, q in _selected(cfg, only).items():
            out["queues"][name]["effective"] = [
                e.as_dict() for e in queue_effective(q.section, cfg.factory, registry)
            ]
    return out


def _factory_effective(cfg: LoadedConfig) -> list[EffectiveKey]:
    return factory_effective(cfg.factory, cfg.settings, [q.section for q in cfg.queues.values()], registry)


def _shown_problems(cfg: LoadedConfig, only: list[str] | None) -> list[ConfigProblem]:
    """The factory's problems, those of the auth.conf/proxy.conf profiles and those of the selected
    queues, each once (a problem several queues share, such as a bad mapping or [Factory] key, is
    printed once)."""
    queues = _selected(cfg, only).values()
    return list(dict.fromkeys([*cfg.problems, *cfg.auth_problems, *(p for q in queues for p in q.problems)]))


def _print_section(title: str, s: ConfigSection) -> None:
    print(title)
    width = max((len(k) for k in s), default=0)
    for k, v in sorted(s.items()):
        print(f"{k.ljust(width)} = {v.raw}    ; {v.origin}")
    print()


def _describe(e: EffectiveKey) -> str:
    """``; <where the value came from>`` (and the default when the value is not it)."""
    if e.source is Source.FILE:
        text = e.where
    elif e.source is Source.DERIVED:
        text = f"derived: {e.where}"
    else:
        text = "default"
    if e.source is not Source.DEFAULT and e.default is not None and e.default != e.value:
        text += f" (default: {e.default or repr('')})"
    return text


def _print_effective(title: str, keys: list[EffectiveKey]) -> None:
    print(title)
    width = max((len(e.key) for e in keys), default=0)
    for e in keys:
        value = "(unset)" if e.value is None else e.value
        print(f"{e.key.ljust(width)} = {value}    ; {_describe(e)}")
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
    only, strict = args.queue, args.strict
    problems = _shown_problems(cfg, only)
    nerr = sum(1 for p in problems if p.level == "error")
    nwarn = len(problems) - nerr
    failed = 1 if nerr or (strict and nwarn) else 0
    if args.json:
        print(json.dumps(_as_json(cfg, only, args.defaults, strict), indent=2))
        return failed
    print("# configuration: " + ", ".join(str(p) for p in cfg.conf_files))
    if args.defaults:
        _print_effective("[Factory]", _factory_effective(cfg))
    else:
        _print_section("[Factory]", cfg.factory)
    for name, q in _selected(cfg, only).items():
        state = "enabled" if q.enabled else "disabled"
        state += ", ok" if q.ok else f", {len(q.errors)} error(s): will not run"
        header = f"[{name}]    # {state}\n{_chain_line(q.section)}"
        if args.defaults:
            _print_effective(header, queue_effective(q.section, cfg.factory, registry))
        else:
            _print_section(header, q.section)
    for p in problems:
        print(p)
    notes = [n for q in _selected(cfg, only).values() for n in q.notes]
    for n in notes:
        print(n)
    bad = sum(1 for q in _selected(cfg, only).values() if not q.ok)
    total = len(_selected(cfg, only))
    summary = f"\n{total} queue(s): {total - bad} ok, {bad} with errors; {nerr} error(s), {nwarn} warning(s)"
    if notes:
        summary += f", {len(notes)} note(s)"
    if strict and nwarn:
        summary += " (--strict: the warnings count as errors)"
    print(summary)
    return failed
