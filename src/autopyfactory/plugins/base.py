"""What every plugin is, whatever its category, and the categories themselves.

A plugin is a class with a ``name`` (what operators write, e.g. ``batchsubmitplugin = Slurm``), the
``keys`` it reads from its own section (an APF queue, a monitor.conf or auth.conf section) and the
``factory_keys`` it reads from ``[Factory]``. A :class:`Category` names a kind of plugin (its
entry-point group is ``autopyfactory.<name>``) and the base class its plugins derive from, so
``Registry.get(SCHED, name)`` is a ``type[SchedPlugin]``."""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeGuard, TypeVar

from autopyfactory.config.credentials import CredentialRef
from autopyfactory.config.keys import Key
from autopyfactory.config.section import ConfigSection


class Plugin:
    """The part every plugin shares: its name and the keys it declares (checked at load: a bad value
    is an error naming file, section and key; a key nobody declares is a warning)."""

    name: ClassVar[str]
    keys: ClassVar[tuple[Key[object], ...]] = ()
    factory_keys: ClassVar[tuple[Key[object], ...]] = ()

    @classmethod
    def declared_keys(cls) -> tuple[Key[object], ...]:
        """Every key an operator may write in the plugin's section (``keys``, and what a category adds,
        e.g. a submit plugin's retirement keys)."""
        return cls.keys

    @classmethod
    def credentials(cls, section: ConfigSection) -> tuple[CredentialRef, ...]:
        """The auth profiles ``section`` asks this plugin to use (check-config checks them against
        auth.conf / proxy.conf)."""
        return ()


PluginT = TypeVar("PluginT", bound=Plugin)


class Category(Generic[PluginT]):
    """A kind of plugin: ``name`` (its entry-point group is ``autopyfactory.<name>``) and the base
    class ``PluginT`` its plugins derive from. Declared once, next to the base class::

        SCHED: Category[SchedPlugin] = Category("sched", SchedPlugin)
    """

    _by_name: ClassVar[dict[str, Category[Any]]] = {}

    def __init__(self, name: str, base: type) -> None:  # ``base`` is PluginT (which may be abstract)
        self.name = name
        self.base = base
        Category._by_name[name] = self

    @property
    def group(self) -> str:
        """The entry-point group of the category's plugins."""
        return f"autopyfactory.{self.name}"

    def admits(self, cls: object) -> TypeGuard[type[PluginT]]:
        """``cls`` is a plugin class of this category."""
        return isinstance(cls, type) and issubclass(cls, self.base)

    def holds(self, plugin: object) -> TypeGuard[PluginT]:
        """``plugin`` is an instance of a plugin of this category."""
        return isinstance(plugin, self.base)

    @classmethod
    def named(cls, name: str) -> Category[Any]:
        """The category called ``name`` (its module must have been imported)."""
        try:
            return cls._by_name[name]
        except KeyError:
            raise ValueError(
                f"no plugin category {name!r} (known: {', '.join(sorted(cls._by_name))})"
            ) from None

    def __repr__(self) -> str:
        return f"Category({self.name!r}, {self.base.__name__})"
