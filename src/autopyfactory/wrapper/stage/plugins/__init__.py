"""Wrapper plugins, selected by ``--wrapperplugin``: one module per plugin."""

from __future__ import annotations

import importlib

from ..exitcodes import USAGE, StageError
from .base import Plugin

NAMES = ("generic", "panda", "glidein", "trivial", "null")


def plugin_class(name: str) -> type[Plugin]:
    """The plugin class called ``name``. Raises StageError(USAGE) for an unknown name."""
    if name not in NAMES:
        raise StageError(USAGE, f"unknown wrapper plugin {name!r}; known: {', '.join(NAMES)}")
    module = importlib.import_module(f"{__name__}.{name}")
    cls: type[Plugin] = module.PLUGIN
    return cls
