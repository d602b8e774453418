"""Validation: every declared key parses, plugins exist, unknown keys get a 'did you mean'."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from autopyfactory.config.keys import Key, KeySet
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection


def check_keys(section: ConfigSection, keys: Iterable[Key]) -> list[ConfigProblem]:
    """Errors for every present key whose value does not parse, and for missing required keys."""
    out: list[ConfigProblem] = []
    for key in keys:
        if key.prefix:
            continue
        if key.name not in section and not key.required:
            continue
        p = section.check(key)
        if p is not None:
            out.append(p)
    return out


def unknown_keys(
    section: ConfigSection, known: KeySet, skip_from_default: bool = True
) -> list[ConfigProblem]:
    """Warnings for keys no plugin declares. Keys inherited from ``[DEFAULT]`` are interpolation
    variables as often as not, so they are not reported (``skip_from_default``)."""
    names = list(known.names())
    out: list[ConfigProblem] = []
    for key, value in section.items():
        if skip_from_default and value.from_default:
            continue
        if key in known:
            continue
        close = difflib.get_close_matches(key, names, n=1, cutoff=0.75)
        hint = (
            f"did you mean '{close[0]}'?" if close else "no plugin reads it; remove it or check the spelling"
        )
        out.append(ConfigProblem("warning", value.origin, section.name, key, "unknown key", value.raw, hint))
    return out
