"""The one rule for names the monitor takes in: factory ids, queue (label) names and pilot ids.

A name is letters, digits, ``.``, ``_`` and ``-`` (at least one; not ``.`` or ``..``), no longer than
the database column that holds it. Every name travels in URLs (``/api/factories/<fid>``,
``/api/labels/<fid>:<label>``, ``/api/jobs/<fid>:<cid>``, the dashboard's pages, the wrappers'
``$APFMON`` calls), where ``/``, ``:``, ``?``, ``#``, ``%``, spaces and the like cannot be carried
as part of one path segment; ``.`` and ``..`` alone are removed by HTTP clients as dot segments.

The one source of this rule: the monitor service applies it to what it is sent, and the factory's
configuration checks warn with it before a queue reports under a name the monitor refuses.
Standard library only::

    from autopyfactory.apfmon.names import NameKind, name_problem
    problem = name_problem(NameKind.LABEL, "ANALY_X/ce01")   # a sentence with the fix, or None
"""

from __future__ import annotations

import re
from enum import StrEnum

NAME_PATTERN = r"[A-Za-z0-9._-]+"
ALLOWED = "letters, digits, '.', '_' and '-'"
_NAME = re.compile(NAME_PATTERN)
_BAD_CHAR = re.compile(r"[^A-Za-z0-9._-]")


class NameKind(StrEnum):
    """The kinds of name the monitor takes in (the value reads well in a message)."""

    FACTORY = "factory id"
    LABEL = "queue (label) name"
    PILOT = "pilot id (cid)"


# the lengths of the database columns (db/schema.py): factories.name, labels.name, jobs.cid
MAX_LENGTH: dict[NameKind, int] = {NameKind.FACTORY: 64, NameKind.LABEL: 128, NameKind.PILOT: 128}


class InvalidName(ValueError):
    """A name the monitor does not take; the message says why and what to use instead."""


def _show(ch: str) -> str:
    if ch == " ":
        return "a space"
    return repr(ch) if ch.isprintable() else f"U+{ord(ch):04X}"


def name_fix(kind: NameKind) -> str:
    """What a name of ``kind`` may be made of, as advice."""
    return f"use only {ALLOWED} (at most {MAX_LENGTH[kind]} characters)"


def name_fault(kind: NameKind, name: str) -> str | None:
    """None when ``name`` is acceptable as a ``kind``; else what is wrong with it (without the fix)."""
    limit = MAX_LENGTH[kind]
    shown = name if len(name) <= 80 else name[:77] + "..."
    if not name:
        return f"{kind} is empty"
    if len(name) > limit:
        return f"{kind} {shown!r} has {len(name)} characters, more than {limit}"
    if _NAME.fullmatch(name) is None:
        bad = sorted(set(_BAD_CHAR.findall(name)))
        chars = ", ".join(_show(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
        return f"{kind} {shown!r} has {chars}, which the monitor's URLs cannot carry"
    if name in (".", ".."):
        return f"{kind} {name!r} is a dot segment, which HTTP clients remove from URLs"
    return None


def name_problem(kind: NameKind, name: str) -> str | None:
    """None when ``name`` is acceptable as a ``kind``; else one sentence naming the problem and the fix."""
    fault = name_fault(kind, name)
    return None if fault is None else f"{fault}: {name_fix(kind)}"


def is_valid_name(kind: NameKind, name: str) -> bool:
    return name_problem(kind, name) is None


def check_name(kind: NameKind, name: str) -> str:
    """``name`` itself when acceptable; :class:`InvalidName` otherwise."""
    problem = name_problem(kind, name)
    if problem is not None:
        raise InvalidName(problem)
    return name
