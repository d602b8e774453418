"""Which queues a configuration change touches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from autopyfactory.loading.loader import LoadedConfig


@dataclass(frozen=True)
class QueueDiff:
    """Queue names by what a new configuration does to them."""

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


def identity_changes(running: LoadedConfig, new: LoadedConfig) -> list[str]:
    """Why ``new`` cannot replace ``running`` without a restart ([] when it can): it has no
    [Factory] section (an empty or truncated autopyfactory.conf), or it changes the factory's
    identity (``factoryId``: the name its pilots and monitor records carry) or its state directory
    (``statedir``: where the Local backend keeps its pilots; a new one would see none)."""
    where = ", ".join(str(f) for f in new.conf_files)
    if not new.factory.keys() and running.factory.keys():
        return [f"the new configuration ({where}) has no [Factory] section, or an empty one"]
    old_s, new_s = running.settings, new.settings
    if old_s is None or new_s is None:
        return []
    out: list[str] = []
    if old_s.factory_id != new_s.factory_id:
        out.append(f"factoryId would change from {old_s.factory_id!r} to {new_s.factory_id!r}")
    if old_s.state_dir != new_s.state_dir:
        out.append(f"statedir would change from {old_s.state_dir} to {new_s.state_dir}")
    return out
