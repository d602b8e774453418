"""``mappings.conf``: raw batch/WMS states to APF buckets. The built-in content is what the status
plugins declare (each its own section, 2.4's values for 2.4's sources); a ``mappingsConf`` file is
laid over it key by key. Every value remembers the file it came from."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from autopyfactory.config.ini import RawDocument, Value
from autopyfactory.config.mapping_spec import MappingSpec, UnmappedStates

log = logging.getLogger(__name__)

BUILTIN = "<built-in mappings.conf>"


@dataclass(frozen=True, slots=True)
class MappedQueues:
    """A batch listing mapped queue by queue (:meth:`Mappings.map_each`): ``counts`` per queue,
    ``incomplete`` the queues with raw states that map to no bucket (each with why), ``uncounted``
    the pilots in such states."""

    counts: dict[str, dict[str, int]]
    incomplete: dict[str, str]
    uncounted: int


class Mappings:
    """Sections of state -> bucket maps."""

    def __init__(self, sections: Mapping[str, Mapping[str, Value]]) -> None:
        self._sections = {name: dict(m) for name, m in sections.items()}
        self._warned: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    @classmethod
    def built_in(
        cls, specs: Iterable[MappingSpec], other: Mapping[str, Mapping[str, str]] | None = None
    ) -> Mappings:
        """The sections the status plugins declare (``specs``' defaults) and ``other`` sections they
        ship that nothing reads (2.4's, so overriding them is not a typo); the first declaration of a
        section wins."""
        sections: dict[str, dict[str, Value]] = {}
        declared = [(spec.section, dict(spec.defaults)) for spec in specs]
        for name, values in [*declared, *(other or {}).items()]:
            if values and name not in sections:
                sections[name] = {state: Value(bucket, BUILTIN) for state, bucket in values.items()}
        return cls(sections)

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, str]], base: Mappings | None = None) -> Mappings:
        doc = RawDocument()
        for text, origin in texts:
            doc.add_text(text, origin)
        sections = {k: dict(v) for k, v in (base._sections if base else {}).items()}
        for name, values in doc.sections.items():
            sections.setdefault(name, {}).update(
                {k: Value(v.raw.strip(), v.origin) for k, v in values.items()}
            )
        return cls(sections)

    def section(self, name: str) -> dict[str, str]:
        return {k: v.raw for k, v in self._sections.get(name, {}).items()}

    def values(self, name: str) -> dict[str, Value]:
        """State -> bucket with the file each came from."""
        return dict(self._sections.get(name, {}))

    def sections(self) -> list[str]:
        return list(self._sections)

    def has(self, name: str) -> bool:
        return name in self._sections

    def origin(self, name: str) -> str:
        """The file(s) a section comes from (the built-in one and/or mappingsConf files)."""
        seen = dict.fromkeys(v.origin for v in self._sections.get(name, {}).values())
        return ", ".join(seen) or self.files()

    def files(self) -> str:
        seen = dict.fromkeys(v.origin for m in self._sections.values() for v in m.values())
        return ", ".join(seen) or BUILTIN

    def map_counts(self, spec: MappingSpec, raw: Mapping[str, int]) -> dict[str, int]:
        """Sum raw state counts into buckets; a state the section does not map is counted as 'unknown'
        (2.4's rule, kept for WMS job counts: an unknown job is not work to serve) and logged once."""
        name = spec.section
        m = self._sections.get(name, {})
        out: dict[str, int] = {}
        for state, count in raw.items():
            v = m.get(str(state))
            if v is None:
                self._warn_once(name, str(state))
            bucket = v.raw if v is not None else "unknown"
            out[bucket] = out.get(bucket, 0) + count
        return out

    def map_queues(
        self, spec: MappingSpec, raw: Mapping[str, Mapping[str, int]]
    ) -> dict[str, dict[str, int]]:
        """Bucket counts per queue. Raises UnmappedStates when any raw state maps to no bucket of
        ``spec`` (a pilot counted nowhere would make the queue look emptier than it is)."""
        counts, unmapped = self._split(spec, raw)
        if unmapped:
            total: dict[str, int] = {}
            for states in unmapped.values():
                for state, n in states.items():
                    total[state] = total.get(state, 0) + n
            raise UnmappedStates(spec, total, sorted(unmapped), self.origin(spec.section))
        return counts

    def map_each(self, spec: MappingSpec, raw: Mapping[str, Mapping[str, int]]) -> MappedQueues:
        """Bucket counts per queue, queue by queue: a queue with a raw state that maps to no bucket
        is left out of ``counts`` and named in ``incomplete`` with why (its counts must not be decided
        on); the other queues of the same listing are counted as usual."""
        counts, unmapped = self._split(spec, raw)
        where = self.origin(spec.section)
        return MappedQueues(
            {q: c for q, c in counts.items() if q not in unmapped},
            {q: str(UnmappedStates(spec, states, [q], where)) for q, states in unmapped.items()},
            sum(n for states in unmapped.values() for n in states.values()),
        )

    def _split(
        self, spec: MappingSpec, raw: Mapping[str, Mapping[str, int]]
    ) -> tuple[dict[str, dict[str, int]], dict[str, dict[str, int]]]:
        """(bucket counts per queue, raw states mapping to no bucket per queue with their counts)."""
        m = self._sections.get(spec.section, {})
        out: dict[str, dict[str, int]] = {}
        unmapped: dict[str, dict[str, int]] = {}
        for q, counts in raw.items():
            mapped = out.setdefault(q, {})
            for state, count in counts.items():
                v = m.get(str(state))
                if v is None or v.raw not in spec.buckets:
                    lost = unmapped.setdefault(q, {})
                    lost[str(state)] = lost.get(str(state), 0) + count
                    continue
                mapped[v.raw] = mapped.get(v.raw, 0) + count
        return out, unmapped

    def _warn_once(self, name: str, state: str) -> None:
        with self._lock:
            if (name, state) in self._warned:
                return
            self._warned.add((name, state))
        log.warning(
            "mapping section [%s] (%s) does not map raw state %r: counted as 'unknown'; "
            "add '%s = <bucket>' to [%s] in the file named by mappingsConf",
            name,
            self.origin(name),
            state,
            state,
            name,
        )
