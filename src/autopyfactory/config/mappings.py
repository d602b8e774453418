"""``mappings.conf``: raw batch/WMS states to APF buckets. The built-in content is what the status
plugins declare (each its own section, 2.4's values for 2.4's sources); a ``mappingsConf`` file is
laid over it key by key. Every value remembers the file it came from."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping

from autopyfactory.config.ini import RawDocument, Value
from autopyfactory.config.mapping_spec import MappingSpec, UnmappedStates

log = logging.getLogger(__name__)

BUILTIN = "<built-in mappings.conf>"


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
        m = self._sections.get(spec.section, {})
        out: dict[str, dict[str, int]] = {}
        unmapped: dict[str, int] = {}
        queues: set[str] = set()
        for q, counts in raw.items():
            mapped = out.setdefault(q, {})
            for state, count in counts.items():
                v = m.get(str(state))
                if v is None or v.raw not in spec.buckets:
                    unmapped[str(state)] = unmapped.get(str(state), 0) + count
                    queues.add(q)
                    continue
                mapped[v.raw] = mapped.get(v.raw, 0) + count
        if unmapped:
            raise UnmappedStates(spec, unmapped, sorted(queues), self.origin(spec.section))
        return out

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
