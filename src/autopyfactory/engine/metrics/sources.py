"""How a status source is named in the metrics: its category, its plugin, and a source name that
is the same for the same source in every process and after every reload.

A plugin with one instance per factory (its instance key is ``()``: Local) is named after the
plugin; an instance keyed by a plain name (a queue, a schedd) is ``<plugin>:<name>``; any other gets
the plugin's name and a short digest of its instance key (server, API, credentials...):
``Panda:3f2a1c0d``. ``autopyfactory_queue_status_source`` says which queues read which source."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from autopyfactory.engine.status_hub import Adopted, StatusKey

PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")


@dataclass(frozen=True, slots=True, order=True)
class SourceName:
    """The labels of one status source."""

    category: str  # wmsstatus or batchstatus
    plugin: str
    source: str

    @property
    def labels(self) -> tuple[str, str, str]:
        return (self.category, self.plugin, self.source)


def source_name(key: StatusKey) -> SourceName:
    """The labels of the status source ``key`` (a source a reload moved to a new status hub keeps its
    name)."""
    category, plugin, instance = key
    if isinstance(instance, Adopted):
        instance = instance.key
    if instance == ():
        return SourceName(category, plugin, plugin)
    if isinstance(instance, str) and PLAIN.fullmatch(instance):
        return SourceName(category, plugin, f"{plugin}:{instance}")
    digest = hashlib.sha256(repr(instance).encode("utf-8", "backslashreplace")).hexdigest()[:8]
    return SourceName(category, plugin, f"{plugin}:{digest}")
