"""Queue configuration plugins (category ``config``): where APF queue sections come from."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from autopyfactory.config.ini import ResolvedSection
from autopyfactory.config.keys import Key
from autopyfactory.config.problems import ConfigProblem
from autopyfactory.config.section import ConfigSection


@dataclass
class QueuesResult:
    """What a queue config plugin produced: queue sections and problems."""

    sections: dict[str, ResolvedSection] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)


class QueuesConfigPlugin(ABC):
    """Produces APF queue sections. Results of several plugins are merged in the order named in
    ``config.queues.plugin``."""

    name: ClassVar[str]
    factory_keys: ClassVar[tuple[Key[object], ...]] = ()

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
