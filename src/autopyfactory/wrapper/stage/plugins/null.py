"""``null``: does nothing and succeeds (tests the wrapper machinery alone)."""

from __future__ import annotations

from .base import Plugin


class NullPlugin(Plugin):
    """Wrapper plugin ``null``: runs nothing."""

    name = "null"
    passes_unknown = True  # ignores whatever it is given


PLUGIN = NullPlugin
