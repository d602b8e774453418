"""Durations as people write them in scenario files: ``90``, ``90s``, ``6m``, ``2h``, ``1d``, ``1.5h``."""

from __future__ import annotations

import math
import re

UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([smhd]?)\s*$")
EXPECTED = "a duration: seconds as a number, or a number with s, m, h or d (90, '90s', '6m', '2h', '1d')"


class BadDuration(ValueError):
    """Not a duration; the message says what was expected."""


def parse_duration(value: object) -> float:
    """Seconds (>= 0) of ``value``: an int or float (seconds) or a string like ``'6m'``."""
    if isinstance(value, bool):
        raise BadDuration(EXPECTED)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str):
        m = _PATTERN.match(value)
        if m is None:
            raise BadDuration(EXPECTED)
        seconds = float(m.group(1)) * UNITS[m.group(2)]
    else:
        raise BadDuration(EXPECTED)
    if not math.isfinite(seconds) or seconds < 0:
        raise BadDuration(EXPECTED + ", finite and >= 0")
    return seconds


def format_duration(seconds: float) -> str:
    """Short human form: ``45s``, ``12.5m``, ``3.2h``."""
    if seconds < 90:
        return f"{seconds:.0f}s"
    if seconds < 5400:
        return f"{seconds / 60:.1f}m"
    return f"{seconds / 3600:.1f}h"
