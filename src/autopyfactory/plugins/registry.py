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
from typing import Any, TypeVar

from autopyfactory.extras import EXTRA_MODULES, MissingExtra, require_extra
from autopyfactory.plugins.base import Category, Plugin

PluginT = TypeVar("PluginT", bound=Plugin)


class PluginNotFound(LookupError):
    """No plugin of that name, or it cannot be loaded (``cause`` says why: an import error, an
    extra to install, a class that is not a plugin of the category)."""

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
    """Plugin classes by category and name: entry points, and classes registered in process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._eps: dict[str, dict[str, EntryPoint]] = {}
        self._loaded: dict[tuple[str, str], type[Plugin]] = {}
        self._failed: dict[tuple[str, str], str] = {}
        self._registered: dict[tuple[str, str], type[Plugin]] = {}

    def _entry_points(self, category: Category[Any]) -> dict[str, EntryPoint]:
        with self._lock:
            eps = self._eps.get(category.name)
            if eps is None:
                eps = {}
                for ep in entry_points(group=category.group):
                    eps.setdefault(ep.name, ep)
                self._eps[category.name] = eps
            return eps

    def register(self, category: Category[PluginT] | str, name: str, cls: type[PluginT]) -> None:
        """Add a plugin class in process (tests, embedding programs); ``category`` is a category or its
        name. Raises TypeError when ``cls`` is not a plugin of the category."""
        cat = Category.named(category) if isinstance(category, str) else category
        if not cat.admits(cls):
            raise TypeError(f"{cls!r} is not a {cat.name} plugin (a subclass of {cat.base.__name__})")
        with self._lock:
            self._registered[(cat.name, name)] = cls

    def names(self, category: Category[Any]) -> list[str]:
        registered = (n for c, n in self._registered if c == category.name)
        return sorted({*self._entry_points(category), *registered})

    def get(self, category: Category[PluginT], name: str, *, usable: bool = True) -> type[PluginT]:
        """The plugin class; PluginNotFound when there is none or it cannot be loaded. ``usable``:
        its entry point's extras must be installed too (False: the class alone, e.g. for the keys
        it declares)."""
        if not isinstance(category, Category):
            raise TypeError(
                f"a plugin category is needed (e.g. plugins.submit.BATCHSUBMIT), not {category!r}"
            )
        key = (category.name, name)
        registered = self._registered.get(key)
        if registered is not None and category.admits(registered):
            return registered
        ep = self._entry_points(category).get(name)
        if usable and ep is not None:
            for extra in ep.extras:
                try:
                    if extra in EXTRA_MODULES:
                        require_extra(extra)
                except MissingExtra as exc:
                    raise PluginNotFound(category.name, name, self.names(category), str(exc)) from None
        with self._lock:
            loaded = self._loaded.get(key)
            if loaded is not None and category.admits(loaded):
                return loaded
            if key in self._failed:
                raise PluginNotFound(category.name, name, self.names(category), self._failed[key])
        if ep is None:
            raise PluginNotFound(category.name, name, self.names(category))
        try:
            cls: object = ep.load()
        except Exception as exc:  # an optional dependency may be missing
            cause = f"{type(exc).__name__}: {exc}"
            with self._lock:
                self._failed[key] = cause
            raise PluginNotFound(category.name, name, self.names(category), cause) from exc
        if not category.admits(cls):
            cause = f"{ep.value} is not a {category.name} plugin (a subclass of {category.base.__name__})"
            with self._lock:
                self._failed[key] = cause
            raise PluginNotFound(category.name, name, self.names(category), cause)
        with self._lock:
            self._loaded[key] = cls
        return cls

    def all_loadable(self, category: Category[PluginT]) -> dict[str, type[PluginT]]:
        """Every plugin of ``category`` that imports, whether its extras are installed or not
        (used to know every declared key)."""
        out: dict[str, type[PluginT]] = {}
        for n in self.names(category):
            try:
                out[n] = self.get(category, n, usable=False)
            except PluginNotFound:
                continue
        return out


registry = Registry()
