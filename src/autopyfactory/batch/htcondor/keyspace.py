"""2.4's key inheritance for the HTCondor submit flavours.

Each flavour reads keys under its own prefix; a more specific prefix is renamed onto its parent's
(``batchsubmit.condorgt2.*`` -> ``condorgram.*`` -> ``condorce.*`` -> ``condorgrid.*`` ->
``condorbase.*``), the more specific value winning. So ``batchsubmit.condorgt2.environ`` is what the
base reads as ``batchsubmit.condorbase.environ`` for a CondorGT2 queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from autopyfactory.config.keys import Key
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.submit import RetireKeys


@dataclass(frozen=True, slots=True)
class Level:
    """One class of the hierarchy: its prefix, the keys it reads under that prefix, keys it reads
    outside the prefix, and extra renames it applies before handing keys to its parent."""

    prefix: str
    own_keys: tuple[Key[object], ...] = ()
    other_keys: tuple[Key[object], ...] = ()
    renames: tuple[tuple[str, str], ...] = ()


def view(queue: ConfigSection, levels: Sequence[Level]) -> ConfigSection:
    """``queue`` with every level's keys renamed onto its parent's prefix (``levels``: most specific
    first, ending with the base)."""
    v = queue
    for child, parent in zip(levels, [*levels[1:], None], strict=True):
        for old, new in child.renames:
            v = v.renamed_keys(old, new)
        if parent is not None:
            v = v.renamed_keys(child.prefix, parent.prefix)
    return v


def declared(levels: Sequence[Level]) -> tuple[Key[object], ...]:
    """Every key an operator may write for this flavour: each level's keys under its own prefix and
    under every more specific prefix of the chain, plus the retirement keys under every prefix that
    its level does not declare itself (``batchsubmit.condorec2.peaceful`` is CondorEC2's own key)."""
    out: list[Key[object]] = []
    for i, level in enumerate(levels):
        for k in level.own_keys:
            out.append(k)
            suffix = k.name[len(level.prefix) :]
            out.extend(replace(k, name=d.prefix + suffix, required=False) for d in levels[:i])
        out.extend(level.other_keys)
    own = {k.name for k in out}
    for level in levels:
        out.extend(k for k in RetireKeys.under(level.prefix).all() if k.name not in own)
    return tuple(out)
