"""The pilot wrapper the factory submits by default (a shell bootstrap plus a Python stage).

``bootstrap.sh`` is the executable; ``stage/`` is the standard-library-only Python stage it runs
on the worker node; ``keys.py`` declares the ``wrapper.*`` queue keys from which
:func:`default_arguments` builds the wrapper's command line. See docs/wrapper.md."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from autopyfactory.config.section import ConfigSection

HERE = Path(__file__).resolve().parent


def default_executable() -> Path:
    """The bundled bootstrap script."""
    return HERE / "bootstrap.sh"


def default_arguments(queue: ConfigSection) -> str:
    """``executable.arguments`` for the bundled wrapper, built from the queue's ``wrapper.*`` keys."""
    from autopyfactory.wrapper.arguments import wrapper_arguments

    return wrapper_arguments(queue)
