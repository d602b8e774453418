"""Wrapper plugins, selected by ``--wrapperplugin``: one module per plugin."""

from __future__ import annotations

import difflib
import importlib

from ..exitcodes import USAGE, StageError
from .base import Plugin

NAMES = ("generic", "panda", "glidein", "trivial", "null")


def plugin_class(name: str) -> type[Plugin]:
    """The plugin class called ``name``. Raises StageError(USAGE) for an unknown name."""
    if name not in NAMES:
        close = difflib.get_close_matches(name, NAMES, n=1)
        maybe = f" (did you mean {close[0]}?)" if close else ""
        raise StageError(
            USAGE,
            f"unknown wrapper plugin {name!r}{maybe}; known: {', '.join(NAMES)}, and 2.4's names, which are"
            " translated to these (docs/wrapper.md, Migrating from 2.4)",
        )
    module = importlib.import_module(f"{__name__}.{name}")
    cls: type[Plugin] = module.PLUGIN
    return cls
