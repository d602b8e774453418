"""The pilot wrapper the factory submits by default (a shell bootstrap plus a Python stage)."""

from __future__ import annotations

from pathlib import Path

from autopyfactory.config.section import ConfigSection

HERE = Path(__file__).resolve().parent


def default_executable() -> Path:
    """The bundled bootstrap script."""
    return HERE / "bootstrap.sh"


def default_arguments(queue: ConfigSection) -> str:
    """``executable.arguments`` for the bundled wrapper, built from the queue's keys."""
    return ""
