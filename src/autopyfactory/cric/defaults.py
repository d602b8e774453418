"""Operator defaults files (``config.queues.cric.defaultsfiles``), laid under what CRIC says.

Each file is INI: its ``[DEFAULT]`` applies to every generated queue, and a section named after an
activity (``[production]``, ``[analysis]``, ...: CRIC's ``type``) to that activity's queues only.
Later files win. Values may interpolate CRIC's, e.g. ``%(wmsqueue)s``."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.config.factory import FACTORY_SECTION
from autopyfactory.config.ini import RawDocument, Value
from autopyfactory.config.sources import read_source


@dataclass
class Defaults:
    """Queue defaults read for the CRIC plugin: common ones and per activity."""

    common: dict[str, Value] = field(default_factory=dict)
    per_activity: dict[str, dict[str, Value]] = field(default_factory=dict)

    def for_activity(self, activity: str) -> dict[str, Value]:
        return {**self.common, **self.per_activity.get(activity.lower(), {})}


def read_defaults(
    specs: tuple[str, ...], conf_dir: Path, named_by: tuple[str, str], url_timeout: float
) -> Defaults:
    """Raises ConfigError naming the file and key that referenced a missing/broken file; a file given
    as an ``http(s)://`` URL is downloaded within ``url_timeout`` seconds."""
    out = Defaults()
    origin, key = named_by
    for spec in specs:
        text, where = read_source(spec, conf_dir, (origin, FACTORY_SECTION, key), url_timeout=url_timeout)
        doc = RawDocument()
        doc.add_text(text, where)
        out.common.update(doc.defaults)
        for name, values in doc.sections.items():
            out.per_activity.setdefault(name.lower(), {}).update(values)
    return out
