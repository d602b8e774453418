"""Which queues a configuration change touches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]


def diff_queues(old: Mapping[str, Mapping[str, str]], new: Mapping[str, Mapping[str, str]]) -> QueueDiff:
    """Compare effective queue sections (key -> value) by name."""
    added = tuple(sorted(n for n in new if n not in old))
    removed = tuple(sorted(n for n in old if n not in new))
    changed = tuple(sorted(n for n in new if n in old and dict(new[n]) != dict(old[n])))
    unchanged = tuple(sorted(n for n in new if n in old and dict(new[n]) == dict(old[n])))
    return QueueDiff(added, removed, changed, unchanged)
