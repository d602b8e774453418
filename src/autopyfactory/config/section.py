"""A configuration section with typed access and provenance."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TypeVar

from autopyfactory.config.ini import Value
from autopyfactory.config.keys import BadValue, Key
from autopyfactory.config.problems import ConfigError, ConfigProblem, error

ValueT = TypeVar("ValueT")


class ConfigSection:
    """Effective values of one section (an APF queue, ``[Factory]``, a monitor or auth profile).

    ``get(key)`` parses with the key's declared type and raises :class:`ConfigError` naming the file,
    section, key, value and what was expected."""

    __slots__ = ("_values", "name", "origin", "referenced")

    def __init__(
        self,
        name: str,
        values: Mapping[str, Value],
        origin: str = "",
        referenced: frozenset[str] = frozenset(),
    ) -> None:
        self.name = name
        self._values = dict(values)
        self.origin = origin
        # names its values refer to with %(name)s: interpolation variables, not unknown keys
        self.referenced = referenced

    @classmethod
    def from_dict(cls, name: str, values: Mapping[str, str], origin: str = "<built-in>") -> ConfigSection:
        return cls(name, {k: Value(v, origin) for k, v in values.items()}, origin)

    def raw(self, key: str) -> str | None:
        v = self._values.get(key)
        return None if v is None else v.raw

    def value(self, key: str) -> Value | None:
        return self._values.get(key)

    def origin_of(self, key: str) -> str:
        v = self._values.get(key)
        return v.origin if v is not None else "<built-in default>"

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def keys(self) -> list[str]:
        return list(self._values)

    def items(self) -> list[tuple[str, Value]]:
        return list(self._values.items())

    def as_dict(self) -> dict[str, str]:
        return {k: v.raw for k, v in self._values.items()}

    def get(self, key: Key[ValueT]) -> ValueT:
        """The typed value of ``key`` (its default when the section does not set it)."""
        raw = self.raw(key.name)
        if raw is None and key.required:
            raise error(self.origin, self.name, key.name, f"is required ({key.type.expected})", hint=key.doc)
        try:
            value = key.parse(raw)
        except BadValue as exc:
            raise error(
                self.origin_of(key.name), self.name, key.name, f"expected {exc}", value=raw, hint=key.doc
            ) from None
        if value is None and key.required:
            raise error(
                self.origin_of(key.name), self.name, key.name, f"is required ({key.type.expected})", value=raw
            )
        return value

    def get_prefixed(self, prefix: str) -> dict[str, str]:
        """Every ``prefix<suffix>`` key as ``{suffix: raw}`` (for key families like condor_attributes.<k>)."""
        return {
            k[len(prefix) :]: v.raw
            for k, v in self._values.items()
            if k.startswith(prefix) and len(k) > len(prefix)
        }

    def check(self, key: Key[object]) -> ConfigProblem | None:
        """The problem ``get(key)`` would raise, or None."""
        try:
            self.get(key)
        except ConfigError as exc:
            return exc.problem
        return None

    def with_values(self, values: Mapping[str, str], origin: str) -> ConfigSection:
        """A copy with ``values`` laid over this section's values."""
        merged = dict(self._values)
        merged.update({k: Value(v, origin) for k, v in values.items()})
        return ConfigSection(self.name, merged, self.origin, self.referenced)

    def renamed_keys(self, old_prefix: str, new_prefix: str) -> ConfigSection:
        """A copy where keys starting with ``old_prefix`` also appear under ``new_prefix`` (2.4's
        ``filterkeys``, used by the HTCondor submit-plugin hierarchy); the renamed keys win."""
        merged = dict(self._values)
        for k, v in self._values.items():
            if k.startswith(old_prefix):
                merged[new_prefix + k[len(old_prefix) :]] = v
        return ConfigSection(self.name, merged, self.origin, self.referenced)

    def __repr__(self) -> str:
        return f"ConfigSection({self.name!r}, {len(self._values)} keys)"
