"""What the bundled wrapper makes of a queue's 2.4 ``executable.arguments``, seen from the factory.

The wrapper translates a 2.4 wrapper command line on the worker node (``stage/compat24.py``); this
runs the same translation at configuration time, so ``check-config`` can refuse a 2.4 line that would
fail on every node and ``wrapper render-args`` can show what a 2.4 line runs as. The node's
environment is not known here: the preview uses an empty one (``$PILOT_HTTP_SOURCES`` unset, so a
runpilot3 line shows runpilot3's own pilot code sources, of which the node picks one).

A queue still pointing ``executable`` at 2.4's own ``wrapper.sh`` or ``runpilot3-wrapper.sh`` runs that
file as written; its preview says what the line would become with the bundled wrapper, the
migration docs/wrapper.md describes."""

from __future__ import annotations

import random
import re
import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

from autopyfactory.wrapper.command import PilotCommand
from autopyfactory.wrapper.stage.compat24 import translate
from autopyfactory.wrapper.stage.exitcodes import StageError

WRAPPER_24 = re.compile(r"(runpilot3-)?wrapper(-[0-9.]+)?\.sh")  # 2.4's wrappers, by file name


@dataclass(frozen=True, slots=True)
class Preview24:
    """A bundled-wrapper command line read as the node will read it. ``style`` empty: not a 2.4 line
    (it runs as written); ``error``: a 2.4 line the wrapper refuses (the message names the fix)."""

    bundled: bool = True  # False: the queue still runs 2.4's wrapper; this is the line after migrating
    style: str = ""
    argv: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    error: str = ""

    @property
    def arguments(self) -> str:
        return shlex.join(self.argv)


def preview_24(command: PilotCommand) -> Preview24 | None:
    """None when the pilots run neither the bundled wrapper nor one of 2.4's, or run the bundled one
    with arguments built from the ``wrapper.*`` keys (never a 2.4 line)."""
    bundled = command.bundled
    if not bundled and not WRAPPER_24.fullmatch(PurePosixPath(command.executable).name):
        return None
    if not command.arguments.strip():
        return None
    try:
        words = shlex.split(command.arguments)
    except ValueError:
        return None  # the submit plugins report unbalanced quotes
    try:
        t = translate(words, {}, random.Random(0))
    except StageError as exc:
        return Preview24(bundled, "wrapper", error=exc.message)  # the style is not known
    return Preview24(bundled, t.style, tuple(t.argv), tuple(t.notes))
