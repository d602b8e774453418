"""Queue configuration plugins (category ``config``): where APF queue sections come from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path

from autopyfactory.config.ini import ResolvedSection
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection
from autopyfactory.plugins.base import Category, Plugin


@dataclass
class QueuesResult:
    """What a queue config plugin produced: queue sections and problems."""

    sections: dict[str, ResolvedSection] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)


class QueuesConfigPlugin(Plugin, ABC):
    """Produces APF queue sections (it reads ``factory_keys`` from ``[Factory]``). Results of several
    plugins are merged in the order named in ``config.queues.plugin``."""

    def __init__(self, factory: ConfigSection, conf_dir: Path) -> None:
        self.factory = factory
        self.conf_dir = conf_dir

    @abstractmethod
    def load(self, base: dict[str, ResolvedSection]) -> QueuesResult:
        """Sections to lay over ``base`` (what earlier plugins produced). Raise ConfigError when
        nothing can be loaded at all."""

    def refresh_interval(self) -> float | None:
        """Seconds after which the factory should reload on its own (None: only on SIGHUP)."""
        return None


CONFIG: Category[QueuesConfigPlugin] = Category("config", QueuesConfigPlugin)
