"""What a status plugin reads from ``mappings.conf``: its section, the buckets a state may map to,
the buckets the decision needs, and the raw states its source reports.

A status plugin declares one as its ``mapping`` class attribute, with its default content: the
built-in mappings are what the status plugins declare, and ``mappings.conf`` only overrides them. The
loader checks each against the mappings in force (``mapping_check``), and batch status plugins map
their counts with ``Mappings.map_queues``, which refuses to count a raw state that maps to nothing as
zero."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autopyfactory.model.batch import BATCH_ATTRIBUTES
from autopyfactory.model.wms import WMS_ATTRIBUTES


@dataclass(frozen=True, slots=True)
class MappingSpec:
    """The ``mappings.conf`` section a status plugin reads: which states it reports, what they may map
    to, what must be reached, and the plugin's own mapping (``defaults``: raw state -> bucket, built in;
    a ``mappingsConf`` file overrides it key by key)."""

    section: str
    buckets: tuple[str, ...]  # what a state may map to (the view's attributes)
    needed: tuple[str, ...]  # buckets some state must reach, or the decision is blind
    states: tuple[str, ...] = ()  # raw states the source reports (each must be mapped)
    kind: str = "batch"
    defaults: tuple[tuple[str, str], ...] = ()  # the plugin's own mapping, in its order

    @classmethod
    def batch(
        cls, section: str, *, defaults: Mapping[str, str] | None = None, states: Sequence[str] = ()
    ) -> MappingSpec:
        """Pilot counts: a pilot counted nowhere makes MaxPending/MaxToRun/Ready submit too many."""
        return cls(
            section, BATCH_ATTRIBUTES, ("pending", "running"), tuple(states), "batch", _pairs(defaults)
        )

    @classmethod
    def wms(
        cls, section: str, *, defaults: Mapping[str, str] | None = None, states: Sequence[str] = ()
    ) -> MappingSpec:
        """Job counts of the WMS: ``ready`` is what the queue serves."""
        return cls(section, WMS_ATTRIBUTES, ("ready",), tuple(states), "wms", _pairs(defaults))


def _pairs(mapping: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple((mapping or {}).items())


class UnmappedStates(Exception):
    """Raw batch states that the mapping turns into no bucket. The counts of that poll are
    incomplete: they must not reach the decision as "nothing pending, nothing running"."""

    def __init__(
        self, spec: MappingSpec, unmapped: Mapping[str, int], queues: Sequence[str], where: str
    ) -> None:
        self.spec, self.unmapped, self.queues = spec, dict(unmapped), list(queues)
        states = ", ".join(
            f"{s!r} ({n} pilot{'s' if n != 1 else ''})" for s, n in sorted(self.unmapped.items())
        )
        example = next(iter(sorted(self.unmapped)))
        super().__init__(
            f"raw state(s) {states} of queue(s) {', '.join(sorted(self.queues))} map to no {spec.kind} bucket in "
            f"mapping section [{spec.section}] ({where}); these counts are incomplete, so no queue reading "
            f"them submits this cycle. Fix: add e.g. '{example} = pending' to [{spec.section}] in the file "
            f"named by mappingsConf (buckets: {', '.join(spec.buckets)})"
        )
