"""What a new configuration does to each queue, and what may not change without a restart.

The rule a reload follows (docs/operations.md): a queue that runs keeps running. When its new
effective configuration has errors (its section, the ``[Factory]`` keys its plugins read, the
mapping sections its status plugins read, the auth profiles it needs; or a file of it that cannot
be read and lost its section), it goes on with the configuration it has: it is kept on its last
good configuration. Only a queue removed from the configuration, disabled by it, or given a usable
new configuration stops running its present one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum

from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.loading.loader import LoadedConfig


@dataclass(frozen=True)
class QueueDiff:
    """Queue names by what a new configuration does to their sections."""

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


class QueueAction(Enum):
    """What a reload does to one queue."""

    START = "start"  # build it from the new configuration (new, changed, fixed, or not running yet)
    KEEP = "keep"  # it runs and its section did not change: leave it as it is
    KEEP_LAST_GOOD = "keep-last-good"  # it runs and its new configuration has errors: keep it as it is
    STOP = "stop"  # it runs and was removed or disabled by the new configuration
    DISABLED = "disabled"  # it does not run and the new configuration disables it
    NOT_STARTED = "not-started"  # it does not run and its new configuration has errors


@dataclass(frozen=True)
class QueuePlan:
    """One queue's :class:`QueueAction`, with why (``reason``) and the errors behind it."""

    name: str
    action: QueueAction
    reason: str = ""
    problems: tuple[ConfigProblem, ...] = ()


@dataclass(frozen=True)
class RunningQueue:
    """What a reload needs to know of a queue that runs: the section it runs with, and whether
    that is already a last good configuration kept from an earlier reload (``stale``)."""

    section: ConfigSection
    stale: bool = False


def plan_reload(
    running: Mapping[str, RunningQueue], cfg: LoadedConfig, rebuild_all: bool = False
) -> dict[str, QueuePlan]:
    """Each queue's plan under ``cfg``: the queues it configures, and the running queues it lost.

    ``rebuild_all``: every queue with a usable configuration is started anew (the factory's
    plugins are all rebuilt: ``[Factory]`` or a monitor section changed). A running queue whose
    new configuration is broken, or whose section vanished because its file has lines that cannot
    be read, is kept on its last good configuration; a running queue on its last good
    configuration whose new configuration is usable is started with it."""
    assert cfg.settings is not None
    enabled = cfg.settings.enablequeues
    plans: dict[str, QueuePlan] = {}
    for name, qc in cfg.queues.items():
        was = running.get(name)
        if not enabled:
            plans[name] = _off(name, was, "[Factory] enablequeues = False")
        elif qc.errors:
            action = QueueAction.NOT_STARTED if was is None else QueueAction.KEEP_LAST_GOOD
            plans[name] = QueuePlan(
                name, action, _errors_reason(qc.errors, was is not None), tuple(qc.errors)
            )
        elif not qc.enabled:
            plans[name] = _off(name, was, "enabled = False")
        elif was is None or was.stale or rebuild_all or was.section.as_dict() != qc.section.as_dict():
            plans[name] = QueuePlan(name, QueueAction.START)
        else:
            plans[name] = QueuePlan(name, QueueAction.KEEP)
    unreadable = cfg.unreadable_files()
    for name, was in running.items():
        if name in plans:
            continue
        lost = [p for f in sorted(_files_of(was.section)) for p in unreadable.get(f, ())]
        if lost and enabled:
            why = "its section is missing from the new configuration, and its file has lines that cannot be read: "
            why += "; ".join(str(p) for p in dict.fromkeys(lost))
            plans[name] = QueuePlan(name, QueueAction.KEEP_LAST_GOOD, why, tuple(dict.fromkeys(lost)))
        else:
            plans[name] = QueuePlan(name, QueueAction.STOP, "removed from the configuration")
    return plans


def _off(name: str, was: RunningQueue | None, why: str) -> QueuePlan:
    return QueuePlan(name, QueueAction.DISABLED if was is None else QueueAction.STOP, why)


def _errors_reason(errors: list[ConfigProblem], running: bool) -> str:
    text = "; ".join(str(p) for p in errors)
    return f"its new configuration has {len(errors)} error(s): {text}" if running else text


def _files_of(section: ConfigSection) -> set[str]:
    """Every file a section's values came from."""
    return {section.origin, *(section.origin_of(k) for k in section)}


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
