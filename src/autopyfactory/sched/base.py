"""The sched plugin interface and the 2.4 message format."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from autopyfactory.config.section import ConfigSection
from autopyfactory.model.decision import SchedResult
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.plugins.base import Category, Plugin


def py2str(value: Any) -> str:
    """``str(value)`` as Python 2 printed it (2.4's messages were built with ``%s`` under Python 2):
    floats with 12 significant digits and a trailing ``.0`` when integral."""
    if isinstance(value, float):
        text = "%.12g" % value  # noqa: UP031 (the Python 2 rendering is the point)
        if text.lstrip("-").isdigit():
            text += ".0"
        return text
    return str(value)


def message(name: str, *fields: tuple[str, Any]) -> str:
    """``Name:key=val,key=val`` with values printed as 2.4 printed them."""
    return name + ":" + ",".join(f"{k}={py2str(v)}" for k, v in fields)


class SchedPlugin(Plugin, ABC):
    """One step of a queue's sched chain.

    Subclasses declare the keys they read (``keys`` from the queue section, ``factory_keys`` from
    ``[Factory]``), read them once in ``__init__`` and implement :meth:`calc`, which must be pure:
    its only inputs are the number passed on by the previous step and the queue's snapshot."""

    def __init__(self, queue: ConfigSection, factory: ConfigSection) -> None:
        """Read configuration; raise ConfigError for a bad value."""

    @abstractmethod
    def calc(self, n: int, snap: QueueSnapshot) -> SchedResult:
        """The number to pass on and this step's message (empty message: nothing to report)."""


SCHED: Category[SchedPlugin] = Category("sched", SchedPlugin)
