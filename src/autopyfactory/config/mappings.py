"""``mappings.conf``: raw batch/WMS states to APF buckets. 2.4's content is built in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources import files

from autopyfactory.config.ini import RawDocument


class Mappings:
    """Sections of state -> bucket maps."""

    def __init__(self, sections: Mapping[str, Mapping[str, str]]) -> None:
        self._sections = {name: dict(m) for name, m in sections.items()}

    @classmethod
    def builtin(cls) -> Mappings:
        text = files("autopyfactory.config").joinpath("mappings.conf").read_text(encoding="utf-8")
        return cls.from_texts([(text, "<built-in mappings.conf>")])

    @classmethod
    def from_texts(cls, texts: Iterable[tuple[str, str]], base: Mappings | None = None) -> Mappings:
        doc = RawDocument()
        for text, origin in texts:
            doc.add_text(text, origin)
        sections: dict[str, dict[str, str]] = {
            k: dict(v) for k, v in (base._sections if base else {}).items()
        }
        for name, values in doc.sections.items():
            sections.setdefault(name, {}).update({k: v.raw.strip() for k, v in values.items()})
        return cls(sections)

    def section(self, name: str) -> dict[str, str]:
        return dict(self._sections.get(name, {}))

    def sections(self) -> list[str]:
        return list(self._sections)

    def map_counts(self, name: str, raw: Mapping[str, int]) -> dict[str, int]:
        """Sum raw state counts into buckets; states the section does not map are counted as 'unknown'."""
        m = self._sections.get(name, {})
        out: dict[str, int] = {}
        for state, count in raw.items():
            bucket = m.get(str(state), "unknown")
            out[bucket] = out.get(bucket, 0) + count
        return out
