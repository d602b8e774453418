"""``autopyfactory wrapper``: the bundled pilot wrapper's command line for a queue, and packaging."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from autopyfactory.config.problems import ConfigError
from autopyfactory.loading.loader import load


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "wrapper", parents=[common], help="the pilot wrapper: render its arguments, package it"
    )
    actions = p.add_subparsers(dest="wrapper_action", metavar="action", required=True)
    r = actions.add_parser(
        "render-args", parents=[common], help="executable and arguments of a queue's pilots"
    )
    r.add_argument("--queue", required=True, help="the APF queue (section name)")
    b = actions.add_parser("bundle", parents=[common], help="write a self-contained wrapper executable")
    b.add_argument("-o", "--output", required=True, type=Path, help="file to write")
    t = actions.add_parser(
        "tarball", parents=[common], help="write the stage tarball for --wrappertarballurl"
    )
    t.add_argument("-o", "--output", required=True, type=Path, help="file to write (.tar.gz)")


def _render(args: argparse.Namespace) -> int:
    from autopyfactory.wrapper.command import pilot_command
    from autopyfactory.wrapper.preview24 import preview_24

    try:
        cfg = load(args.conf)
    except ConfigError as exc:
        print(exc.problem, file=sys.stderr)
        return 1
    qc = cfg.queues.get(args.queue)
    if qc is None:
        print(f"wrapper: no queue {args.queue!r} (known: {', '.join(sorted(cfg.queues))})", file=sys.stderr)
        return 1
    try:
        command = pilot_command(qc.section)
    except ConfigError as exc:
        print(exc.problem, file=sys.stderr)
        return 1
    print(f"executable = {command.executable}")
    print(f"executable.arguments = {command.arguments}")
    for word in command.argv[1:]:
        print(f"    {word}")
    p = preview_24(command)
    if p is None or not p.style:
        return 0
    if not p.bundled:
        print(f"{command.executable} runs this 2.4 line as written; after migrating to the bundled wrapper:")
    if p.error:
        print(f"a 2.4 wrapper line the bundled wrapper refuses: {p.error}")
        return 1 if p.bundled else 0
    print(f"a 2.4 {p.style} line; on the node the bundled wrapper runs it as:")
    for word in p.argv:
        print(f"    {word}")
    for note in p.notes:
        print(f"  - {note}")
    return 0


def run(args: argparse.Namespace) -> int:
    from autopyfactory.wrapper import bundle

    if args.wrapper_action == "render-args":
        return _render(args)
    if args.wrapper_action == "bundle":
        bundle.write_executable(args.output, bundle.bundle_script())
        print(f"wrote {args.output}")
        return 0
    data = bundle.stage_tarball()
    args.output.write_bytes(data)
    print(f"wrote {args.output} sha256:{bundle.sha256(data)}")
    return 0
