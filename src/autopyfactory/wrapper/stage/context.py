"""What a plugin is given: the parsed wrapper options and where it runs."""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass, field

from .options import WrapperOptions
from .payload import FORWARDER, Forwarder


@dataclass
class StageContext:
    """What the wrapper stage's plugins are given: options and directories."""

    options: WrapperOptions
    workdir: str  # private, removed by the bootstrap at the end
    logdir: str  # where the profile goes (the pilot's landing directory)
    env: dict[str, str]
    python: str = sys.executable  # the interpreter for Python payloads
    forwarder: Forwarder = FORWARDER
    rng: random.Random = field(default_factory=random.Random)
