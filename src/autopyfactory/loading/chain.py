"""Building a queue's sched chain from the plugin names its configuration lists."""

from __future__ import annotations

from autopyfactory.config.problems import error
from autopyfactory.config.queue import SCHEDPLUGIN
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.registry import PluginNotFound, Registry, registry
from autopyfactory.sched.base import SCHED, SchedPlugin


def build_chain(queue: ConfigSection, factory: ConfigSection, reg: Registry = registry) -> list[SchedPlugin]:
    """Instantiate the queue's ``schedplugin`` list. Raises ConfigError naming the bad plugin or key."""
    names = queue.get(SCHEDPLUGIN)
    if not names:
        raise error(
            queue.origin_of("schedplugin"),
            queue.name,
            "schedplugin",
            "is empty",
            hint="name at least one sched plugin, e.g. Ready",
        )
    chain: list[SchedPlugin] = []
    for name in names:
        try:
            cls = reg.get(SCHED, name)
        except PluginNotFound as exc:
            raise error(
                queue.origin_of("schedplugin"),
                queue.name,
                "schedplugin",
                str(exc),
                value=queue.raw("schedplugin"),
            ) from None
        chain.append(cls(queue, factory))
    return chain
