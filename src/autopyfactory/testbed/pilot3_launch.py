#!/usr/bin/env python3
"""Start PanDA pilot 3 from its source tree, trusting extra transformation base URLs.

    python3 pilot3_launch.py PILOT_DIR BASEURLS [pilot.py arguments ...]
    python3 PILOT_DIR/pilot3_launch.py pilot.py arguments ...   (placed in the pilot tree)

PILOT_DIR holds ``pilot.py`` and the ``pilot`` package (the panda-pilot source distribution, or a
pilot3 tarball unpacked). BASEURLS is a comma-separated list of URLs the job's transformation may
come from; placed in the pilot tree (as in the testbed's pilot3.tar.gz) it runs that tree and
trusts ``<--url>/trf/user``, the testbed's transformations. Pilots that have the ``--baseurls`` option get it; older ones (3.7, the newest on PyPI)
keep a fixed list of base URLs in their generic pilot user, which this launcher replaces by
BASEURLS before running ``pilot.py`` unchanged, in this process.

It always sets PILOT_NOKILL: without it the pilot, when it exits, sends SIGTERM to every process
of its user whose parent is PID 1, which on a shared machine are other people's processes.
Standard library only."""

from __future__ import annotations

import importlib
import os
import runpy
import sys
from typing import Any


def main(argv: list[str]) -> None:
    if argv and argv[0].startswith("-"):  # inside the pilot tree, called as the pilot
        pilot_dir, args = os.path.dirname(os.path.abspath(__file__)), list(argv)
        url = next((args[i + 1] for i, a in enumerate(args[:-1]) if a == "--url"), "")
        if not url:
            sys.exit("pilot3_launch: no --url: cannot tell which server's transformations to trust")
        bases = [url.rstrip("/") + "/trf/user"]
    elif len(argv) >= 2:
        pilot_dir, bases = os.path.abspath(argv[0]), [b for b in argv[1].split(",") if b]
        args = list(argv[2:])
    else:
        sys.exit(__doc__)
    script = os.path.join(pilot_dir, "pilot.py")
    if not os.path.isfile(script):
        sys.exit(f"pilot3_launch: no pilot.py in {pilot_dir}")
    os.environ["PILOT_NOKILL"] = "1"
    with open(script, encoding="utf-8") as f:
        native = "--baseurls" in f.read()
    sys.path.insert(0, pilot_dir)
    if native:
        args += ["--baseurls", ",".join(bases)]
    else:
        generic: Any = importlib.import_module("pilot.user.generic.setup")  # patched below

        def trusted(order: Any = None) -> list[str]:
            first = [order] if order in bases else []
            return first + [b for b in bases if b not in first]

        generic.get_valid_base_urls = trusted
    sys.argv = [script, *args]
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
