"""A key's value that, when a section does not set the key, comes from somewhere other than the
key's declared default: another key, the section's name, the environment, the host."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Derived:
    """The value in effect (as text) and how it was found, e.g. ``Derived("Slurm", "the batch status
    plugin of batchsubmitplugin = Slurm")``."""

    value: str
    how: str
