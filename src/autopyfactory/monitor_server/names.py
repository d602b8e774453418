"""The one rule for names the monitor takes in: factory ids, queue (label) names and pilot ids.

A name is letters, digits, ``.``, ``_`` and ``-`` (at least one; not ``.`` or ``..``), no longer than
the database column that holds it. Every name travels in URLs (``/api/factories/<fid>``,
``/api/labels/<fid>:<label>``, ``/api/jobs/<fid>:<cid>``, the dashboard's pages, the wrappers'
``$APFMON`` calls), where ``/``, ``:``, ``?``, ``#``, ``%``, spaces and the like cannot be carried
as part of one path segment; ``.`` and ``..`` alone are removed by HTTP clients as dot segments.

Standard library only, so that configuration checks can import it without the server's
dependencies::

    from autopyfactory.monitor_server.names import NameKind, name_problem
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


def name_problem(kind: NameKind, name: str) -> str | None:
    """None when ``name`` is acceptable as a ``kind``; else one sentence naming the problem and the fix."""
    limit = MAX_LENGTH[kind]
    shown = name if len(name) <= 80 else name[:77] + "..."
    fix = f"use only {ALLOWED} (at most {limit} characters)"
    if not name:
        return f"{kind} is empty: {fix}"
    if len(name) > limit:
        return f"{kind} {shown!r} has {len(name)} characters, more than {limit}: {fix}"
    if _NAME.fullmatch(name) is None:
        bad = sorted(set(_BAD_CHAR.findall(name)))
        chars = ", ".join(_show(c) for c in bad[:5]) + (" ..." if len(bad) > 5 else "")
        return f"{kind} {shown!r} has {chars}, which the monitor's URLs cannot carry: {fix}"
    if name in (".", ".."):
        return f"{kind} {name!r} is a dot segment, which HTTP clients remove from URLs: {fix}"
    return None


def is_valid_name(kind: NameKind, name: str) -> bool:
    return name_problem(kind, name) is None


def check_name(kind: NameKind, name: str) -> str:
    """``name`` itself when acceptable; :class:`InvalidName` otherwise."""
    problem = name_problem(kind, name)
    if problem is not None:
        raise InvalidName(problem)
    return name
