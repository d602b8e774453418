"""Validation: every declared key parses, plugins exist, unknown keys get a 'did you mean'."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from autopyfactory.config.keys import BOOL, Key, KeySet
from autopyfactory.config.literals import lookalike
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection


def check_keys(section: ConfigSection, keys: Iterable[Key[object]]) -> list[ConfigProblem]:
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


def unknown_hint(key: str, known: KeySet) -> str:
    close = difflib.get_close_matches(key, list(known.names()), n=1, cutoff=0.75)
    return f"did you mean '{close[0]}'?" if close else "no plugin reads it; remove it or check the spelling"


def unknown_keys(
    section: ConfigSection, known: KeySet, skip_from_default: bool = True
) -> list[ConfigProblem]:
    """Warnings for keys no plugin declares and no value refers to with ``%(key)s`` (a helper key
    such as ``creamattr`` used by ``cream_attributes = %(creamattr)s``). Keys inherited from
    ``[DEFAULT]`` are judged once for the whole file instead (``skip_from_default``; see
    :func:`unknown_default_keys`)."""
    out: list[ConfigProblem] = []
    for key, value in section.items():
        if skip_from_default and value.from_default:
            continue
        if key in known or key in section.referenced:
            continue
        out.append(
            ConfigProblem(
                "warning", value.origin, section.name, key, "unknown key", value.raw, unknown_hint(key, known)
            )
        )
    return out


def unknown_default_keys(sections: Iterable[ConfigSection], known: KeySet) -> list[ConfigProblem]:
    """Warnings, once per file and key, for ``[DEFAULT]`` keys that no plugin declares and that no
    queue reading them refers to with ``%(key)s``."""
    seen: dict[tuple[str, str], tuple[str, bool]] = {}  # (file, key) -> (value, referenced somewhere)
    for s in sections:
        for key, value in s.items():
            if not value.from_default or key in known:
                continue
            raw, used = seen.get((value.origin, key), (value.raw, False))
            seen[(value.origin, key)] = (raw, used or key in s.referenced)
    return [
        ConfigProblem("warning", origin, "DEFAULT", key, "unknown key", raw, unknown_hint(key, known))
        for (origin, key), (raw, used) in seen.items()
        if not used
    ]


def lookalike_values(section: ConfigSection, known: KeySet) -> list[ConfigProblem]:
    """Warnings for values such as ``NONE`` or ``TRUE`` outside boolean keys: 2.4 read only
    ``None``/``none``, ``True``/``true`` and ``False``/``false`` as special, so these are taken as text."""
    out: list[ConfigProblem] = []
    for key, value in section.items():
        if not lookalike(value.raw):
            continue
        k = known.find(key)
        if k is not None and k.type is BOOL:
            continue
        spelled = value.raw.strip().capitalize()
        out.append(
            ConfigProblem(
                "warning",
                value.origin,
                section.name,
                key,
                f"taken as the text {value.raw.strip()!r}, as 2.4 took it: only {spelled} and "
                f"{spelled.lower()} mean {spelled}",
                value.raw,
                f"write {spelled} if you mean it",
            )
        )
    return out
