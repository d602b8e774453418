"""The shared parts of a configuration that queues kept on their last good configuration go on
reading: mapping sections and auth profiles.

A queue's plugin instances stay as they were when it is kept (:mod:`.reload`), but two things they
read are the factory's and change with every reload: ``ctx.mappings`` (status plugins map raw
states with it on every poll) and the auth manager's profiles (submit plugins ask it for a proxy or
key on every submission). So a mapping section or an auth profile that a reload breaks, and that a
kept queue reads, keeps its last good content: the new one is never used by a running queue, and
queues that would read it are not started (their errors say why)."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from autopyfactory.config.mapping_check import check_mapping
from autopyfactory.config.mapping_spec import MappingSpec
from autopyfactory.config.mappings import Mappings
from autopyfactory.config.problems import ConfigError
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.queue import QueueRuntime
from autopyfactory.engine.status_hub import StatusHub
from autopyfactory.loading.loader import LoadedConfig

log = logging.getLogger("autopyfactory.factory")


def last_good_mappings(
    running: Mappings, new: Mappings, specs: Iterable[MappingSpec]
) -> tuple[Mappings, list[str]]:
    """``new``, with each section that ``new`` breaks for one of ``specs`` (the sections the kept
    queues' status plugins read) and ``running`` had working taken from ``running``; and the names
    of those sections."""
    keep: list[str] = []
    for spec in specs:
        if spec.section in keep:
            continue
        if check_mapping(spec, new, "a status plugin") and not check_mapping(
            spec, running, "a status plugin"
        ):
            keep.append(spec.section)
    if not keep:
        return new, []
    sections = {name: new.values(name) for name in new.sections()}
    for name in keep:
        sections[name] = running.values(name)
    return Mappings(sections), sorted(keep)


@dataclass(frozen=True)
class Profiles:
    """The auth profile sections the auth manager runs with, and which of them have errors."""

    sections: Mapping[str, ConfigSection]
    broken: frozenset[str]


def last_good_profiles(running: Profiles, new: Profiles, needed: Iterable[str]) -> tuple[Profiles, list[str]]:
    """``new``, with each profile of ``needed`` (the profiles the kept queues use) that ``new``
    breaks or removes and ``running`` had working taken from ``running``; and their names."""
    sections = dict(new.sections)
    keep = sorted(
        name
        for name in set(needed)
        if (name not in sections or name in new.broken)
        and name in running.sections
        and name not in running.broken
    )
    for name in keep:
        sections[name] = running.sections[name]
    return Profiles(sections, new.broken - set(keep)), keep


def profiles_of(cfg: LoadedConfig) -> Profiles:
    """The auth profiles of ``cfg``, with the ones that have errors."""
    broken = frozenset(p.section for p in cfg.auth_problems if p.level == "error")
    return Profiles(dict(cfg.auth), broken)


def kept_mappings(
    running: Mappings, cfg: LoadedConfig, kept: Sequence[QueueRuntime], hub: StatusHub
) -> Mappings:
    """The mappings to run with after a reload to ``cfg`` that keeps ``kept`` (whose status
    instances are in ``hub``) on their last good configuration (logged when a section is kept)."""
    specs: list[MappingSpec] = []
    for rt in kept:
        for key in rt.status_keys:
            source = hub.get(key)
            if source is not None and source.mapping is not None:
                specs.append(source.mapping)
    mappings, sections = last_good_mappings(running, cfg.mappings, specs)
    if sections:
        log.warning(
            "mapping section(s) %s: the new content has errors (above) and queues on their last good "
            "configuration read them; they keep their last good content until it is fixed",
            ", ".join(f"[{s}]" for s in sections),
        )
    return mappings


def kept_profiles(running: Profiles, cfg: LoadedConfig, kept: Sequence[QueueRuntime]) -> Profiles:
    """The auth profiles to run with after a reload to ``cfg`` that keeps ``kept`` on their last
    good configuration (logged when a profile is kept)."""
    needed: set[str] = set()
    for rt in kept:
        try:
            refs = type(rt.submitter).credentials(rt.section)
        except ConfigError:
            continue
        needed.update(p for ref in refs for p in ref.profiles)
    profiles, names = last_good_profiles(running, profiles_of(cfg), needed)
    if names:
        log.warning(
            "auth profile(s) %s: the new configuration breaks or removes them and queues on their last "
            "good configuration use them; they keep their last good content until it is fixed",
            ", ".join(f"[{n}]" for n in names),
        )
    return profiles


__all__ = [
    "Profiles",
    "kept_mappings",
    "kept_profiles",
    "last_good_mappings",
    "last_good_profiles",
    "profiles_of",
]
