"""What a queue file's unreadable lines put out of service, and the notes about files read as latin-1.

The rule (docs/configuration.md): a file with a line that cannot be read disables the queues that
file defines (every section it names, also one that mostly lives in another file), never the
factory. When the line could have been meant for ``[DEFAULT]`` (it sits in ``[DEFAULT]``, it is a
value before the file's first header, or it is a broken ``[DEFAULT`` header), every queue that reads
that ``[DEFAULT]`` (every queue of the document: the queues.d directory, or the one queueConf file)
is disabled instead, because none of their effective values can be trusted.
"""

from __future__ import annotations

from collections.abc import Iterable

from autopyfactory.config.ini_text import DEFAULT, FileReport
from autopyfactory.config.problems import ConfigProblem

HINT = "fix or remove the line (comment it out with '#'); check-config shows the result"


def unreadable_line_problems(
    reports: Iterable[FileReport], queues: Iterable[str]
) -> tuple[dict[str, list[ConfigProblem]], list[ConfigProblem]]:
    """Errors per queue (one per broken file that disables it), and warnings that belong to no
    queue: keys a file sets twice in one section, value lines read as latin-1, and broken files that
    disable nothing."""
    everyone = [q for q in queues if q != DEFAULT]
    per_queue: dict[str, list[ConfigProblem]] = {}
    notes: list[ConfigProblem] = []
    for r in reports:
        for section, key, earlier, later in r.repeated:
            notes.append(
                ConfigProblem(
                    "warning",
                    r.origin,
                    section,
                    key,
                    f"set twice in [{section}] of this file (lines {earlier} and {later}): the value of line "
                    f"{later} is used, as 2.4 used it",
                    None,
                    f"remove line {earlier} if the later value is the one meant",
                )
            )
        if r.latin1:
            numbers = ", ".join(str(n) for n in r.latin1)
            notes.append(
                ConfigProblem(
                    "warning",
                    r.origin,
                    "",
                    "",
                    f"line(s) {numbers}: not UTF-8; read as latin-1, as 2.4 did",
                    None,
                    "save the file as UTF-8",
                )
            )
        if not r.bad:
            continue
        lines = "; ".join(b.describe() for b in r.bad)
        if any(b.reaches_default for b in r.bad):
            scope = everyone
            why = "[DEFAULT] may be incomplete, so every queue that reads it is disabled"
        else:
            scope = [q for q in r.sections if q != DEFAULT]
            why = "this file cannot be read completely, so the queues it defines are disabled"
        if not scope:
            notes.append(
                ConfigProblem("warning", r.origin, "", "", f"{lines}; no queue depends on it", None, HINT)
            )
        for q in scope:
            per_queue.setdefault(q, []).append(
                ConfigProblem("error", r.origin, q, "", f"{lines}; {why}", None, HINT)
            )
    return per_queue, notes
