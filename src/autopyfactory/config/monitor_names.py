"""Names an APFMon monitor can take: the rule the monitor server applies to the names it is sent
(queue names become label names, ``factoryId`` the factory name), so ``check-config`` can warn
before a queue reports under a name the monitor refuses. A name is one or more of ``A-Z a-z 0-9 .
_ -`` (it travels in URL paths such as ``/labels/<factory>:<label>``), at most ``LABEL_MAX`` characters
for a label and ``FACTORY_MAX`` for a factory (the lengths of the monitor's database columns)."""

from __future__ import annotations

import re

NAME_RE = re.compile(r"[A-Za-z0-9._-]+")
LABEL_MAX = 128
FACTORY_MAX = 64
ALLOWED = "letters, digits, '.', '_' and '-'"


def name_problem(name: str, limit: int) -> str | None:
    """Why the monitor cannot take ``name`` (None: it can)."""
    if not name:
        return "is empty"
    if not NAME_RE.fullmatch(name):
        bad = sorted({c for c in name if not NAME_RE.fullmatch(c)})
        return f"contains {', '.join(repr(c) for c in bad)}; a monitor name has only {ALLOWED}"
    if len(name) > limit:
        return f"is {len(name)} characters long; a monitor name has at most {limit}"
    return None
