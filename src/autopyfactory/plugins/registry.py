"""Find plugins through entry points: one group per category (``autopyfactory.<category>``).

Third parties add a plugin by declaring an entry point in their own package, e.g.::

    [project.entry-points."autopyfactory.sched"]
    MyPolicy = "mypkg.policy:MyPolicy"

Plugins are loaded on first use; a plugin that fails to import is reported by name, with the
import error, only when a queue asks for it. An entry point may name the extras its plugin needs
(``CondorCE = "autopyfactory.batch.htcondor.flavours.ce:CondorCE [htcondor]"``): without them
installed, a queue asking for the plugin is told which extra to install (``autopyfactory.extras``).
"""

from __future__ import annotations

import difflib
import threading
from importlib.metadata import EntryPoint, entry_points
from typing import Any

from autopyfactory.extras import EXTRA_MODULES, MissingExtra, require_extra

CATEGORIES = ("config", "wmsstatus", "batchstatus", "sched", "batchsubmit", "monitor", "auth")


class PluginNotFound(LookupError):
    """No plugin of that name, or it cannot be loaded (``cause`` says why: an import error, an
    extra to install)."""

    def __init__(self, category: str, name: str, known: list[str], cause: str = "") -> None:
        self.category, self.name, self.known = category, name, known
        if cause:
            msg = f"{category} plugin {name!r} cannot be loaded: {cause}"
        else:
            close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            msg = f"no {category} plugin named {name!r}{hint} (known: {', '.join(sorted(known))})"
        super().__init__(msg)


class Registry:
    """Plugin classes by category and name."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._eps: dict[str, dict[str, EntryPoint]] | None = None
        self._loaded: dict[tuple[str, str], Any] = {}
        self._failed: dict[tuple[str, str], str] = {}
        self._registered: dict[tuple[str, str], Any] = {}

    def _entry_points(self) -> dict[str, dict[str, EntryPoint]]:
        if self._eps is None:
            eps: dict[str, dict[str, EntryPoint]] = {c: {} for c in CATEGORIES}
            for c in CATEGORIES:
                for ep in entry_points(group=f"autopyfactory.{c}"):
                    eps[c].setdefault(ep.name, ep)
            self._eps = eps
        return self._eps

    def register(self, category: str, name: str, cls: Any) -> None:
        """Add a plugin class in-process (tests, embedding)."""
        with self._lock:
            self._registered[(category, name)] = cls

    def names(self, category: str) -> list[str]:
        return sorted({*self._entry_points()[category], *(n for c, n in self._registered if c == category)})

    def get(self, category: str, name: str, *, usable: bool = True) -> Any:
        """The plugin class; PluginNotFound when there is none or it cannot be loaded. ``usable``:
        its entry point's extras must be installed too (False: the class alone, e.g. for the keys
        it declares)."""
        key = (category, name)
        if key in self._registered:
            return self._registered[key]
        ep = self._entry_points()[category].get(name)
        if usable and ep is not None:
            for extra in ep.extras:
                try:
                    if extra in EXTRA_MODULES:
                        require_extra(extra)
                except MissingExtra as exc:
                    raise PluginNotFound(category, name, self.names(category), str(exc)) from None
        with self._lock:
            if key in self._loaded:
                return self._loaded[key]
            if key in self._failed:
                raise PluginNotFound(category, name, self.names(category), self._failed[key])
            if ep is None:
                raise PluginNotFound(category, name, self.names(category))
            try:
                cls = ep.load()
            except Exception as exc:  # an optional dependency may be missing
                self._failed[key] = f"{type(exc).__name__}: {exc}"
                raise PluginNotFound(category, name, self.names(category), self._failed[key]) from exc
            self._loaded[key] = cls
            return cls

    def all_loadable(self, category: str) -> dict[str, Any]:
        """Every plugin of ``category`` that imports, whether its extras are installed or not
        (used to know every declared key)."""
        out: dict[str, Any] = {}
        for n in self.names(category):
            try:
                out[n] = self.get(category, n, usable=False)
            except PluginNotFound:
                continue
        return out


registry = Registry()
