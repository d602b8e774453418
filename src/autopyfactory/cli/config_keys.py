"""``autopyfactory config-keys``: every configuration key the factory and its plugins declare,
with its type, default and meaning (the documentation's configuration reference is this output)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from autopyfactory.loading.key_catalog import (
    SECTION_TITLES,
    SECTIONS,
    KeyGroup,
    catalog,
    default_text,
    pattern,
    rows,
    type_text,
)


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "config-keys",
        parents=[common],
        help="list every configuration key the factory and its plugins declare",
        description="Every key check-config knows: where it is written ([Factory], queue sections, "
        "monitor.conf, auth.conf), the plugin that reads it, its type, default and meaning.",
    )
    p.add_argument("--section", choices=SECTIONS, help="only the keys of this kind of section")
    p.add_argument("--plugin", help="only the keys of this plugin (e.g. CondorCE, Ready)")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one object per key")
    out.add_argument("--markdown", action="store_true", help="the reference page of the documentation")


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(groups: list[KeyGroup]) -> str:
    """The configuration reference, one table per plugin and kind of section."""
    lines = [
        "# Configuration key reference",
        "",
        "Every key the factory and its plugins declare, generated from the code "
        "(`autopyfactory config-keys --markdown`): check-config validates against the same "
        "declarations. A key ending in `<key>` is a family (`batchsubmit.condorce.condor_attributes.<key>`). "
        "An empty default means unset. A plugin marked with an extra needs that extra "
        "(`pip install 'autopyfactory[htcondor]'`, or the package `autopyfactory-htcondor`).",
        "",
    ]
    for section in SECTIONS:
        lines += [f"## {SECTION_TITLES[section]}", ""]
        for g in (g for g in groups if g.section == section):
            if not g.keys:
                continue
            lines += [f"### {g.title}", ""]
            if g.summary:
                lines += [g.summary + (f" (extra: `{g.extra}`)" if g.extra else ""), ""]
            lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
            for k in g.keys:
                default = default_text(k.default)
                lines.append(
                    f"| `{_cell(pattern(k))}` | {_cell(type_text(k))} | "
                    f"{'`' + _cell(default) + '`' if default else ''} | {_cell(k.doc)} |"
                )
            lines.append("")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from autopyfactory.plugins.registry import registry

    groups = catalog(registry)
    if args.section:
        groups = [g for g in groups if g.section == args.section]
    if args.plugin:
        groups = [g for g in groups if args.plugin in g.plugins]
    if args.json:
        print(json.dumps(rows(groups), indent=2))
    elif args.markdown:
        print(markdown(groups))
    else:
        for g in groups:
            if not g.keys:
                continue
            print(f"# {SECTION_TITLES[g.section]}: {g.title}" + (f" (extra: {g.extra})" if g.extra else ""))
            width = max(len(pattern(k)) for k in g.keys)
            for k in g.keys:
                default = default_text(k.default)
                print(f"{pattern(k).ljust(width)}  {k.type.name:<10} {default or '-':<12} {k.doc}")
            print()
    return 0
