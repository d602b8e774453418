"""Slurm's time and memory notations to the numbers slurmrestd wants (minutes, megabytes)."""

from __future__ import annotations

import math
import re

_MEM = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)B?\s*\Z", re.IGNORECASE)
_MEM_FACTOR = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 * 1024}


def time_minutes(text: str) -> int:
    """``MM``, ``MM:SS``, ``HH:MM:SS``, ``D-HH``, ``D-HH:MM``, ``D-HH:MM:SS`` to whole minutes (rounded up)."""
    s = text.strip()
    try:
        days, sep, rest = s.partition("-")
        if not sep:
            days, rest = "0", s
        parts = [int(p) for p in rest.split(":")]
        d = int(days)
    except ValueError:
        raise ValueError(f"not a Slurm time limit: {text!r}") from None
    if sep:  # D-HH[:MM[:SS]]
        parts += [0] * (3 - len(parts))
        h, m, sec = parts[:3]
    elif len(parts) == 1:
        h, m, sec = 0, parts[0], 0
    elif len(parts) == 2:
        h, m, sec = 0, parts[0], parts[1]
    else:
        h, m, sec = parts[:3]
    return math.ceil((((d * 24 + h) * 60 + m) * 60 + sec) / 60)


def memory_mb(text: str) -> int:
    """``2000``, ``2000M``, ``2G``, ``1.5G`` to megabytes (Slurm's default unit is M)."""
    m = _MEM.match(text)
    if not m:
        raise ValueError(f"not a Slurm memory size: {text!r}")
    mb = float(m.group(1)) * _MEM_FACTOR[m.group(2).upper()]
    if not math.isfinite(mb):  # hundreds of digits: float() gives inf
        raise ValueError(f"not a Slurm memory size: {text!r} is too large")
    return math.ceil(mb)
